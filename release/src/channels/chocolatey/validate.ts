/**
 * The nuspec checked by a real schema validator: libxml2's `xmllint --schema` against NuGet's
 * nuspec.xsd, vendored beside this file (nuspec.xsd, decision 0050). It checks the shape (the
 * elements, their order-free set, URLs as anyURI); what only the feed checks (its moderation
 * rules, the version being new) is listed in docs/channels.md.
 */
import { execa } from 'execa';
import { GlideError } from '#contract';

/** Resolves when `nuspec` is valid under `schemaPath`; otherwise ECHOCONUSPEC with xmllint's own words. */
export async function validateNuspec(nuspec: string, schemaPath: string): Promise<void> {
  const result = await execa('xmllint', ['--noout', '--nonet', '--schema', schemaPath, '-'], { input: nuspec, reject: false });
  // No exit code: it never ran (not installed, not executable).
  if (result.exitCode === undefined) {
    throw new GlideError('ECHOCONUSPEC', `xmllint could not be run (${result.originalMessage ?? result.shortMessage}).`, [
      'Install it: apt-get install libxml2-utils',
    ]);
  }
  if (result.exitCode !== 0) {
    const problems = result.stderr.split('\n').filter((line) => line !== '' && !line.endsWith(' fails to validate'));
    throw new GlideError('ECHOCONUSPEC', "The nuspec does not validate against NuGet's nuspec.xsd:", [
      ...problems,
      "This is a bug in glide-release's Chocolatey renderer, or in channels.chocolatey of the config: report it with these lines.",
    ]);
  }
}
