/**
 * Glide's config rules as of 0.1.0, written from what Glide itself accepts
 * (/work/shared/reference/glide.md, "Config"): the tests hold every scaffolded config.yaml to
 * them. Returns the problems found; an empty list is a valid config.
 */

/** Each provider key and the fields Glide refuses to start without (snake_case since 0.1.0). */
export const GLIDE_PROVIDER_REQUIRED: Readonly<Record<string, readonly string[]>> = {
  openai: ['api_key'],
  anthropic: ['api_key'],
  cohere: ['api_key'],
  octoml: ['api_key'],
  azureopenai: ['base_url', 'model', 'api_key'],
  bedrock: ['base_url', 'api_key', 'access_key', 'secret_key', 'aws_region'],
  // Passes validation, then fails at start ("provider not found"): never the only provider.
  ollama: [],
};

const STRATEGIES = new Set(['priority', 'round_robin', 'weighted_round_robin', 'least_latency']);
const LOG_LEVELS = new Set(['debug', 'info', 'warn', 'error']);
const LOG_ENCODINGS = new Set(['console', 'json']);
const MODEL_KEYS = new Set(['id', 'enabled', 'error_budget', 'latency', 'weight', 'client']);

type Node = Record<string, unknown>;
const isObject = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);

export function glideConfigProblems(config: unknown): string[] {
  const problems: string[] = [];
  const problem = (at: string, what: string): void => void problems.push(`${at}: ${what}`);
  if (!isObject(config)) return ['(root): not a mapping'];
  unknownKeys(config, ['telemetry', 'api', 'routers'], '(root)', problem);

  if (config.telemetry !== undefined) {
    const logging = isObject(config.telemetry) ? config.telemetry.logging : undefined;
    if (!isObject(config.telemetry) || (logging !== undefined && !isObject(logging))) problem('telemetry', 'not a mapping of logging settings');
    else if (isObject(logging)) {
      if (logging.level !== undefined && !LOG_LEVELS.has(String(logging.level))) problem('telemetry.logging.level', `unknown level ${String(logging.level)}`);
      if (logging.encoding !== undefined && !LOG_ENCODINGS.has(String(logging.encoding)))
        problem('telemetry.logging.encoding', `unknown encoding ${String(logging.encoding)}`);
    }
  }

  if (config.api !== undefined) {
    const http = isObject(config.api) ? config.api.http : undefined;
    if (!isObject(http)) problem('api.http', 'not a mapping');
    else {
      unknownKeys(http, ['host', 'port'], 'api.http', problem);
      if (http.host !== undefined && (typeof http.host !== 'string' || http.host === '')) problem('api.http.host', 'not a host');
      if (http.port !== undefined && !(Number.isInteger(http.port) && (http.port as number) > 0 && (http.port as number) < 65536))
        problem('api.http.port', 'not a port');
    }
  }

  const routers = isObject(config.routers) ? config.routers.language : undefined;
  if (!Array.isArray(routers) || routers.length === 0) {
    problem('routers.language', 'at least one router is required');
    return problems;
  }
  const routerIds = new Set<string>();
  routers.forEach((router: unknown, r) => {
    const at = `routers.language[${r}]`;
    if (!isObject(router)) return problem(at, 'not a mapping');
    if (typeof router.id !== 'string' || router.id === '') problem(`${at}.id`, 'required');
    else if (routerIds.has(router.id)) problem(`${at}.id`, `${router.id} is used twice`);
    else routerIds.add(router.id);
    if (router.strategy !== undefined && !STRATEGIES.has(String(router.strategy))) problem(`${at}.strategy`, `unknown strategy ${String(router.strategy)}`);
    const models = router.models;
    if (!Array.isArray(models) || models.length === 0) return problem(`${at}.models`, 'at least one model is required');
    const providers: string[] = [];
    models.forEach((model: unknown, m) => {
      const modelAt = `${at}.models[${m}]`;
      if (!isObject(model)) return problem(modelAt, 'not a mapping');
      if (typeof model.id !== 'string' || model.id === '') problem(`${modelAt}.id`, 'required');
      const keys = Object.keys(model).filter((key) => !MODEL_KEYS.has(key));
      const unknown = keys.filter((key) => !(key in GLIDE_PROVIDER_REQUIRED));
      if (unknown.length > 0) problem(modelAt, `unknown keys ${unknown.join(', ')}`);
      const named = keys.filter((key) => key in GLIDE_PROVIDER_REQUIRED);
      if (named.length !== 1) return problem(modelAt, `exactly one provider is required, found ${named.length === 0 ? 'none' : named.join(', ')}`);
      const provider = named[0]!;
      providers.push(provider);
      const settings = model[provider];
      if (!isObject(settings)) return problem(`${modelAt}.${provider}`, 'not a mapping');
      for (const field of GLIDE_PROVIDER_REQUIRED[provider]!) {
        if (typeof settings[field] !== 'string' || settings[field] === '') problem(`${modelAt}.${provider}.${field}`, 'required');
      }
      // 0.0.3's camelCase keys (baseUrl) are not read by 0.1.0.
      for (const key of Object.keys(settings)) if (/[A-Z]/.test(key)) problem(`${modelAt}.${provider}.${key}`, 'keys are snake_case since 0.1.0');
    });
    if (providers.length > 0 && providers.every((provider) => provider === 'ollama'))
      problem(at, 'only ollama models: Glide fails at start with "provider not found"');
  });
  return problems;
}

function unknownKeys(node: Node, allowed: readonly string[], at: string, problem: (at: string, what: string) => void): void {
  const unknown = Object.keys(node).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) problem(at, `unknown keys ${unknown.join(', ')}`);
}
