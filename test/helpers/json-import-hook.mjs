// A module hook for @actions/workflow-parser, which imports its schema JSON with no
// `with { type: 'json' }`: Node 20 refuses that; this hook adds the attribute for .json files.
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  return resolved.url.endsWith('.json') ? { ...resolved, importAttributes: { ...context.importAttributes, type: 'json' } } : resolved;
}
