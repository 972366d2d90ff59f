/**
 * The tap's formula, rendered from the ledger alone: every URL is the GitHub release asset the
 * ledger lists and every sha256 the one the ledger proved. Deterministic text: the same ledger
 * and config give the same bytes, so "the tap already has it" is a string comparison.
 */
import { GlideError, parseTarget, releaseDownloadUrl } from '#contract';
import type { LedgerArchive, ReleaseLedger } from '../../ledger.js';
import type { HomebrewConfig } from './config.js';

/** The formula's path in the tap, and the class Homebrew expects in it (`glide` → `Glide`). */
export const FORMULA_PATH = 'Formula/glide.rb';

/** Homebrew's platforms in its DSL's words: only 64-bit Intel and ARM exist on both (no 32-bit ARM on Linux). */
const PLATFORMS = [
  {
    os: 'darwin',
    block: 'on_macos',
    arches: [
      { arch: 'amd64', block: 'on_intel' },
      { arch: 'arm64', block: 'on_arm' },
    ],
  },
  {
    os: 'linux',
    block: 'on_linux',
    arches: [
      { arch: 'amd64', block: 'on_intel' },
      { arch: 'arm64', block: 'on_arm' },
    ],
  },
] as const;

export interface FormulaBottle {
  /** `darwin/arm64`: the ledger's target. */
  readonly target: string;
  readonly url: string;
  readonly sha256: string;
}

/** The ledger's archives Homebrew can install, in the formula's order (macOS then Linux, Intel then ARM). */
export function formulaArchives(ledger: ReleaseLedger): FormulaBottle[] {
  const archives = ledger.artifacts.filter((artifact): artifact is LedgerArchive => artifact.kind === 'archive');
  const found: FormulaBottle[] = [];
  for (const platform of PLATFORMS) {
    for (const { arch } of platform.arches) {
      const archive = archives.find((candidate) => {
        const target = parseTarget(candidate.target);
        return target.os === platform.os && target.arch === arch;
      });
      if (archive)
        found.push({
          target: `${platform.os}/${arch}`,
          url: releaseDownloadUrl(ledger.repo, ledger.tag, archive.path.slice(ledger.tag.length + 1)),
          sha256: archive.sha256,
        });
    }
  }
  if (found.length === 0) {
    throw new GlideError('EHOMEBREW', `${ledger.tag} has no macOS or Linux archive for amd64 or arm64: there is nothing for Homebrew to install.`, [
      'Build darwin/amd64, darwin/arm64, linux/amd64 or linux/arm64 (targets.matrix in the release config), or leave channels.homebrew out.',
    ]);
  }
  return found;
}

/**
 * A Ruby string literal that evaluates to `value` exactly: `"` and `\` escaped, `#` escaped so
 * `#{…}` never interpolates, control characters as escapes. Config text can never become code.
 */
export function rubyString(value: string): string {
  let body = '';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (char === '\\' || char === '"' || char === '#') body += `\\${char}`;
    else if (char === '\n') body += '\\n';
    else if (char === '\t') body += '\\t';
    else if (code < 0x20 || code === 0x7f) body += `\\u{${code.toString(16)}}`;
    else body += char;
  }
  return `"${body}"`;
}

export function renderFormula(ledger: ReleaseLedger, config: Pick<HomebrewConfig, 'desc' | 'homepage' | 'license'>): string {
  const bottles = formulaArchives(ledger);
  const lines = [
    `# Written by glide-release from the ledger of ${ledger.repo} ${ledger.version}: change the release, not this file.`,
    'class Glide < Formula',
    `  desc ${rubyString(config.desc)}`,
    `  homepage ${rubyString(config.homepage)}`,
    `  version ${rubyString(ledger.version)}`,
    `  license ${rubyString(config.license)}`,
  ];
  for (const platform of PLATFORMS) {
    const present = platform.arches.flatMap(({ arch, block }) => {
      const bottle = bottles.find((candidate) => candidate.target === `${platform.os}/${arch}`);
      return bottle ? [{ block, bottle }] : [];
    });
    if (present.length === 0) continue;
    lines.push('', `  ${platform.block} do`);
    for (const { block, bottle } of present) {
      lines.push(`    ${block} do`, `      url ${rubyString(bottle.url)}`, `      sha256 ${rubyString(bottle.sha256)}`, '    end');
    }
    lines.push('  end');
  }
  lines.push(
    '',
    '  def install',
    '    bin.install "glide"',
    '  end',
    '',
    '  test do',
    // Glide prints `{name} version {version} (commit: …)`: the version up to its closing space.
    `    assert_match ${rubyString(`version ${ledger.version} (`)}, shell_output("#{bin}/glide --version")`,
    '  end',
    'end',
  );
  return `${lines.join('\n')}\n`;
}
