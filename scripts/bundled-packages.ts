/**
 * What a bundle holds of other people's code, read from esbuild's metafile: the npm packages,
 * their license texts (the notices each tarball ships) and the Node versions they declare.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import semver from 'semver';

export interface BundledPackage {
  readonly name: string;
  readonly version: string;
  /** The SPDX expression of its package.json. */
  readonly license: string;
  /** Its license files (and NOTICE), or the License section of its README when it ships none. */
  readonly licenseText: string;
  /** `engines.node` as the package declares it. */
  readonly nodeRange?: string;
}

/** The folder of every npm package the inputs come from: up to the last `node_modules/<name>` (or `@scope/name`). */
export function packageFolders(inputs: Iterable<string>): string[] {
  const folders = new Set<string>();
  for (const input of inputs) {
    // Greedy: a package nested in another's node_modules is its own package.
    const folder = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
    if (folder) folders.add(folder);
  }
  return [...folders].sort();
}

const LICENSE_FILE = /^(licen[cs]e|copying|notice)([.-].*)?$/i;

/** A bundled package's name, version, license and license text, read from its folder; throws when the text cannot be found. */
export async function readBundledPackage(folder: string): Promise<BundledPackage> {
  const manifest = JSON.parse(await readFile(join(folder, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    license?: string | { type?: string };
    engines?: { node?: string };
    author?: string | { name?: string };
  };
  const id = `${manifest.name} ${manifest.version} (${folder})`;
  const license = typeof manifest.license === 'string' ? manifest.license : manifest.license?.type;
  if (!license) throw new Error(`${id} declares no license in its package.json; find its terms before bundling it.`);
  const files = (await readdir(folder)).sort();
  const licenseFiles = files.filter((file) => LICENSE_FILE.test(file));
  const readme = files.find((file) => /^readme(\.md|\.markdown|\.txt)?$/i.test(file));
  const licenseText =
    licenseFiles.length > 0
      ? (await Promise.all(licenseFiles.map((file) => readFile(join(folder, file), 'utf8')))).map((text) => text.trim()).join('\n\n')
      : readme
        ? licenseSection(await readFile(join(folder, readme), 'utf8'))
        : undefined;
  if (!licenseText) throw new Error(`${id} ships no license file and no License section in a README, so its notice cannot be written.`);
  const author = typeof manifest.author === 'string' ? manifest.author : manifest.author?.name;
  return {
    name: manifest.name,
    version: manifest.version,
    license,
    licenseText: licenseText.trim() === license ? await standardTerms(id, license, author) : licenseText,
    ...(manifest.engines?.node ? { nodeRange: manifest.engines.node } : {}),
  };
}

/**
 * A README whose License section only names the license (`MIT`) ships no terms: the notice
 * carries that license's standard text from SPDX's list, and says so, with the holder the
 * package.json names. A license SPDX has no text for stops the build.
 */
async function standardTerms(id: string, license: string, author: string | undefined): Promise<string> {
  // SPDX's full texts are 5 MB of JSON: loaded only for a package that needs them, not on every bundle.
  const { default: spdxLicenses } = await import('spdx-license-list/full.js');
  const standard = (spdxLicenses as Record<string, { licenseText: string } | undefined>)[license];
  if (!standard)
    throw new Error(`${id} names its license "${license}" without its terms, and SPDX's list has no text for it; find its terms before bundling it.`);
  const holder = author ? `, whose copyright holder its package.json names as ${author.replace(/\s*[<(].*$/, '')}` : '';
  return `${license}\n\nThe package ships no license text; these are the standard terms of ${license} from SPDX's license list${holder}.\n\n${standard.licenseText.trim()}`;
}

/** The text under a README's "License" heading, up to the next heading of the same or a higher level. */
export function licenseSection(readme: string): string | undefined {
  const lines = readme.split(/\r?\n/);
  const start = lines.findIndex((line) => /^#{1,6}\s+licen[cs]e\b/i.test(line));
  if (start === -1) return undefined;
  const level = /^#+/.exec(lines[start]!)![0].length;
  const end = lines.findIndex((line, index) => index > start && /^#+\s/.test(line) && /^#+/.exec(line)![0].length <= level);
  const text = lines
    .slice(start + 1, end === -1 ? undefined : end)
    .join('\n')
    .trim();
  return text || undefined;
}

/**
 * The oldest Node from which on every version satisfies `range`, e.g. 20.5.0 for
 * `^18.19.0 || >=20.5.0`; undefined when the range caps Node (`^18 || ^20`).
 */
export function openEndedFloor(range: string): string | undefined {
  const parsed = new semver.Range(range);
  return parsed.set
    .map((comparators) => semver.minVersion(comparators.map((comparator) => comparator.value).join(' '))?.version)
    .filter((version): version is string => version !== undefined)
    .sort(semver.compare)
    .find((version) => semver.subset(`>=${version}`, parsed));
}

/** The Node version a bundle needs: the highest floor its packages declare, and who declares it. */
export function requiredNode(packages: readonly BundledPackage[]): { readonly version: string; readonly by?: BundledPackage } {
  let required: { version: string; by?: BundledPackage } = { version: '0.0.0' };
  for (const pkg of packages) {
    if (!pkg.nodeRange) continue;
    const floor = openEndedFloor(pkg.nodeRange);
    if (!floor)
      throw new Error(
        `${pkg.name} ${pkg.version} declares engines.node "${pkg.nodeRange}", which caps the Node versions it runs on; the bundle could not promise newer ones.`,
      );
    if (semver.gt(floor, required.version)) required = { version: floor, by: pkg };
  }
  return required;
}

/** The one version a package's `engines.node` (">=X.Y.Z") promises: the launcher refuses any older Node with it. */
export function declaredNodeFloor(packageName: string, enginesNode: string | undefined): string {
  const declared = /^>=(\d+\.\d+\.\d+)$/.exec(enginesNode ?? '')?.[1];
  if (!declared) throw new Error(`${packageName}: engines.node is "${enginesNode ?? ''}"; declare one lowest version, ">=X.Y.Z", which the launcher checks.`);
  return declared;
}

/** The promise must hold: no bundled package may need a newer Node than the declared floor. */
export function checkNodeFloor(packageName: string, declared: string, packages: readonly BundledPackage[]): void {
  const required = requiredNode(packages);
  if (required.by && semver.lt(declared, required.version)) {
    throw new Error(
      `${packageName}: engines.node is ">=${declared}", but it bundles ${required.by.name} ${required.by.version}, which declares engines.node "${required.by.nodeRange}". Declare ">=${required.version}".`,
    );
  }
}

/** THIRD_PARTY_NOTICES.md: every bundled package with its version, license and license text. */
export function renderNotices(bundle: { readonly name: string; readonly version: string }, packages: readonly BundledPackage[]): string {
  const sorted = [...packages].sort((a, b) => a.name.localeCompare(b.name) || semver.compare(a.version, b.version));
  const sections = sorted.map((pkg) => {
    // A fence longer than any run of backticks in the text, so the text cannot end it.
    const fence = '`'.repeat(Math.max(3, ...[...pkg.licenseText.matchAll(/`+/g)].map((run) => run[0].length + 1)));
    return `## ${pkg.name} ${pkg.version} — ${pkg.license}\n\n${fence}text\n${pkg.licenseText}\n${fence}\n`;
  });
  return [
    '# Third-party notices',
    '',
    `${bundle.name} ${bundle.version} bundles code from these npm packages into dist/. Each is listed with its version, its license and the license text it ships.`,
    '',
    ...sorted.map((pkg) => `- ${pkg.name} ${pkg.version} (${pkg.license})`),
    '',
    ...sections,
  ].join('\n');
}
