import { describe, expect, it } from 'vitest';
import { GlideError } from '#contract';
import { parseConfig } from '../../release/src/config.js';
import { homebrewDecision } from '../../release/src/channels/homebrew/policy.js';
import { formatHomebrewPlan, formulaFacts, planHomebrew, type TapState } from '../../release/src/channels/homebrew/plan.js';
import { FORMULA_PATH, formulaArchives, renderFormula, rubyString } from '../../release/src/channels/homebrew/render.js';
import { sha } from '../helpers/publish-world.js';
import { brewConfig, brewLedgerOf, HOMEBREW_TARGETS } from './homebrew-ledger.js';

const CONFIG = brewConfig({ tap: '/srv/taps/homebrew-tap.git' });
const HEAD = 'a'.repeat(40);
const STABLE = brewLedgerOf('0.1.0');

/** The tap after glide-release pushed `version` (rendered with the same config). */
function tapWith(version: string): TapState {
  return { head: HEAD, formula: renderFormula(brewLedgerOf(version), CONFIG) };
}

/** Throws a GlideError of `code`. */
const refusedWith = (code: string) => expect.objectContaining({ name: 'GlideError', code });

describe('renderFormula', () => {
  it('renders a stable with the four Homebrew platforms (golden): URLs of the GitHub release, the ledger sha256s', async () => {
    await expect(renderFormula(STABLE, CONFIG)).toMatchFileSnapshot('homebrew-golden/glide-0.1.0.rb');
  });

  it('names exactly the ledger archives of macOS and Linux on amd64 and arm64, with their sha256', () => {
    const bottles = formulaArchives(STABLE);
    expect(bottles.map((bottle) => bottle.target)).toEqual([...HOMEBREW_TARGETS]);
    for (const bottle of bottles) {
      const [os, arch] = bottle.target.split('/');
      const asset = `glide_v0.1.0_${os}_${arch}.tar.gz`;
      expect(bottle.url).toBe(`https://github.com/EinStack/glide/releases/download/0.1.0/${asset}`);
      expect(bottle.sha256).toBe(sha('0.1.0', asset));
    }
  });

  it('leaves out a platform the ledger lacks, and refuses a ledger with none (EHOMEBREW)', () => {
    const formula = renderFormula(brewLedgerOf('0.1.0', ['linux/amd64', 'windows/amd64']), CONFIG);
    expect(formula).toContain('on_linux do');
    expect(formula).not.toContain('on_macos');
    expect(formula).not.toContain('on_arm');
    expect(() => renderFormula(brewLedgerOf('0.1.0', ['windows/amd64', 'linux/arm/7']), CONFIG)).toThrow(refusedWith('EHOMEBREW'));
  });

  it('is deterministic: the same ledger and config give the same bytes', () => {
    expect(renderFormula(brewLedgerOf('0.1.0'), CONFIG)).toBe(renderFormula(STABLE, CONFIG));
  });

  it.each([
    ['plain', 'Open-source LLM gateway', '"Open-source LLM gateway"'],
    ['a quote cannot close the string', 'say "hi"', '"say \\"hi\\""'],
    ['interpolation stays text', 'a #{system("id")} b', '"a \\#{system(\\"id\\")} b"'],
    ['a backslash is itself', 'C:\\glide\\', '"C:\\\\glide\\\\"'],
    ['a newline cannot end the line', 'one\ntwo', '"one\\ntwo"'],
    ['control characters', 'bell\u0007', '"bell\\u{7}"'],
    ['non-ASCII as is', 'passerelle LLM — ünïcode', '"passerelle LLM — ünïcode"'],
  ])('rubyString: %s', (_name, value, literal) => {
    expect(rubyString(value)).toBe(literal);
  });
});

describe('homebrewDecision (the RC and maintenance policy)', () => {
  it.each([
    ['an RC, empty tap', '0.1.0-rc.1', 'rc', undefined, 'leave'],
    ['an RC over an older stable', '0.1.1-rc.1', 'rc', '0.1.0', 'leave'],
    ['a snapshot', '0.1.0', 'snapshot', undefined, 'leave'],
    ['the first stable', '0.1.0', 'stable', undefined, 'write'],
    ['a newer stable', '0.1.1', 'stable', '0.1.0', 'write'],
    ['a stable over the RC Glide pushed before it', '0.1.0', 'stable', '0.1.0-rc.1', 'write'],
    ['the same version', '0.1.0', 'stable', '0.1.0', 'compare'],
    ['a maintenance release of an older line', '0.0.4', 'stable', '0.1.0', 'leave'],
    ['a maintenance release under a newer RC in the tap', '0.0.4', 'stable', '0.1.0-rc.1', 'leave'],
  ] as const)('%s: %s (%s) over %s → %s', (_name, version, stage, tapVersion, action) => {
    expect(homebrewDecision(version, stage, tapVersion).action).toBe(action);
  });

  it('refuses a tap version that is not a release version (EHOMEBREWTAP)', () => {
    expect(() => homebrewDecision('0.1.0', 'stable', 'latest')).toThrow(refusedWith('EHOMEBREWTAP'));
  });
});

describe('planHomebrew', () => {
  const pushed = (tap: TapState, ledger = STABLE) => planHomebrew(ledger, CONFIG, tap).mutations.map((push) => `${push.message} on ${push.base ?? 'nothing'}`);

  it.each([
    ['an empty tap gets the formula', { head: undefined, formula: undefined }, ['glide 0.1.0 on nothing']],
    ['a tap without the formula gets it', { head: HEAD, formula: undefined }, [`glide 0.1.0 on ${HEAD}`]],
    ['an older stable is replaced', tapWith('0.0.3'), [`glide 0.1.0 on ${HEAD}`]],
    ['the RC before it is replaced', tapWith('0.1.0-rc.1'), [`glide 0.1.0 on ${HEAD}`]],
    ['the same formula: nothing', tapWith('0.1.0'), []],
    ['a higher stable: nothing', tapWith('0.2.0'), []],
  ])('%s', (_name, tap, expected) => {
    expect(pushed(tap)).toEqual(expected);
  });

  it('pushes the rendered formula at Formula/glide.rb with the message "glide {version}"', () => {
    const [push] = planHomebrew(STABLE, CONFIG, { head: undefined, formula: undefined }).mutations;
    expect(push).toMatchObject({ path: FORMULA_PATH, message: 'glide 0.1.0', formula: renderFormula(STABLE, CONFIG), tap: CONFIG.tap, branch: 'main' });
  });

  it('an RC and a maintenance release push nothing and say why', () => {
    const rc = planHomebrew(brewLedgerOf('0.1.1-rc.1'), CONFIG, tapWith('0.1.0'));
    expect(rc.mutations).toEqual([]);
    expect(rc.left).toMatch(/release candidate/);
    const maintenance = planHomebrew(brewLedgerOf('0.0.4'), CONFIG, tapWith('0.1.0'));
    expect(maintenance.mutations).toEqual([]);
    expect(formatHomebrewPlan(maintenance)).toBe(
      "# homebrew: nothing pushed: 0.0.4 is older than the tap's 0.1.0: a maintenance release never replaces a higher version in the tap.\n",
    );
  });

  it('the same version with the same sha256s but other text (a new desc) is updated', () => {
    const tap = { head: HEAD, formula: renderFormula(STABLE, brewConfig({ desc: 'old words' })) };
    expect(pushed(tap)).toEqual([`glide 0.1.0 on ${HEAD}`]);
  });

  it('the same version with other sha256s is refused (EHOMEBREWCONFLICT): a version names one set of bytes', () => {
    const other = { head: HEAD, formula: renderFormula(STABLE, CONFIG).replace(sha('0.1.0', 'glide_v0.1.0_linux_amd64.tar.gz'), 'f'.repeat(64)) };
    expect(() => planHomebrew(STABLE, CONFIG, other)).toThrow(refusedWith('EHOMEBREWCONFLICT'));
  });

  it('a formula with no version line is refused (EHOMEBREWTAP)', () => {
    expect(() => planHomebrew(STABLE, CONFIG, { head: HEAD, formula: 'class Glide < Formula\nend\n' })).toThrow(refusedWith('EHOMEBREWTAP'));
  });

  /** The shape GoReleaser wrote into Glide's tap (0.0.2; sha256s made up): `if Hardware::CPU` blocks, five platforms. */
  const GORELEASER_FORMULA = [
    'class Glide < Formula',
    '  desc "A Lightweight, Cloud-Native LLM Gateway"',
    '  version "0.0.2"',
    '  on_macos do',
    '    if Hardware::CPU.arm?',
    '      url "https://github.com/einstack/glide/releases/download/0.0.2/glide_v0.0.2_darwin_arm64.tar.gz", using: CurlDownloadStrategy',
    `      sha256 "${'1'.repeat(64)}"`,
    '    end',
    '  end',
    '  on_linux do',
    '    if Hardware::CPU.arm? && !Hardware::CPU.is_64_bit?',
    '      url "https://github.com/einstack/glide/releases/download/0.0.2/glide_v0.0.2_linux_armv6.tar.gz", using: CurlDownloadStrategy',
    `      sha256 "${'2'.repeat(64)}"`,
    '    end',
    '  end',
    'end',
  ].join('\n');

  it("reads the formula GoReleaser wrote into Glide's tap: a stable above it replaces it, the same version with other bytes is refused", () => {
    expect(formulaFacts(GORELEASER_FORMULA)).toEqual({ version: '0.0.2', sha256s: ['1'.repeat(64), '2'.repeat(64)] });
    expect(pushed({ head: HEAD, formula: GORELEASER_FORMULA })).toEqual([`glide 0.1.0 on ${HEAD}`]);
    expect(() => planHomebrew(brewLedgerOf('0.0.2'), CONFIG, { head: HEAD, formula: GORELEASER_FORMULA })).toThrow(refusedWith('EHOMEBREWCONFLICT'));
  });

  it('formulaFacts reads the version and sha256s it wrote', () => {
    const facts = formulaFacts(renderFormula(STABLE, CONFIG));
    expect(facts.version).toBe('0.1.0');
    expect(facts.sha256s).toEqual(formulaArchives(STABLE).map((bottle) => bottle.sha256));
  });

  it('dry run: one line naming the tap, branch, path, message and every sha256', () => {
    const line = formatHomebrewPlan(planHomebrew(STABLE, CONFIG, { head: undefined, formula: undefined }));
    const shas = formulaArchives(STABLE)
      .map((bottle) => `${bottle.target} sha256:${bottle.sha256}`)
      .join(', ');
    expect(line).toBe(`git push /srv/taps/homebrew-tap.git main Formula/glide.rb "glide 0.1.0" (${shas})\n`);
  });
});

describe('channels.homebrew config', () => {
  it('is off unless the release config names it', () => {
    expect(parseConfig('{}', 'glide-release.config.json').channels.homebrew).toBeUndefined();
    expect(parseConfig('channels: {homebrew: {}}', 'glide-release.config.yaml').channels.homebrew?.tap).toBe('https://github.com/EinStack/homebrew-tap.git');
  });

  it('names the allowed keys of a misspelled one', () => {
    expect(() => parseConfig('channels: {homebrew: {tapp: x}}', 'glide-release.config.yaml')).toThrow(
      expect.objectContaining({ details: [expect.stringMatching(/unknown key "channels\.homebrew\.tapp" \(did you mean "tap"\?\)/)] }),
    );
  });

  it('refuses a tap URL carrying a token, without repeating it', () => {
    let error: unknown;
    try {
      parseConfig('channels: {homebrew: {tap: "https://ghp_secret123@github.com/EinStack/homebrew-tap.git"}}', 'glide-release.config.yaml');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(GlideError);
    const shown = `${(error as GlideError).message}\n${(error as GlideError).details.join('\n')}`;
    expect(shown).toMatch(/tokenEnv/);
    expect(shown).not.toContain('ghp_secret123');
  });
});
