import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { archiveName, parseTarget } from '#contract';
import { applySnapMutations } from '../../release/src/channels/snap/apply.js';
import { snapChannels } from '../../release/src/channels/snap/channels.js';
import { defaultSnapConfig, snapConfigSchema } from '../../release/src/channels/snap/config.js';
import type { PackedSnap } from '../../release/src/channels/snap/pack.js';
import { formatSnapMutations, planSnap, type SnapChannelEntry } from '../../release/src/channels/snap/plan.js';
import { assertSnapVersion, renderSnapYaml, snapArchitecture, snapTargets } from '../../release/src/channels/snap/render.js';
import type { LedgerArtifact, ReleaseLedger } from '../../release/src/ledger.js';
import { parseConfig } from '../../release/src/config.js';
import { caught } from './snap-errors.js';
import { ledgerOf, sha } from '../helpers/publish-world.js';

const CONFIG = defaultSnapConfig();

describe('snap architectures', () => {
  it.each([
    ['linux/amd64', 'amd64'],
    ['linux/arm64', 'arm64'],
    ['linux/arm/7', 'armhf'],
    ['linux/ppc64le', 'ppc64el'],
    ['linux/s390x', 's390x'],
    ['linux/riscv64', 'riscv64'],
    ['linux/arm/6', undefined],
    ['linux/386', undefined],
    ['darwin/arm64', undefined],
    ['windows/amd64', undefined],
  ])('%s → %s', (target, architecture) => {
    expect(snapArchitecture(parseTarget(target))).toBe(architecture);
  });

  it('takes one archive per snap architecture from the ledger, nothing of other OSes', () => {
    const version = '0.1.0';
    const archives: LedgerArtifact[] = ['linux/amd64', 'linux/arm/6', 'linux/arm/7', 'linux/386', 'darwin/arm64', 'linux/ppc64le']
      .map(parseTarget)
      .map((target) => ({
        kind: 'archive',
        path: `${version}/${archiveName(version, target)}`,
        target: target.arm ? `${target.os}/${target.arch}/${target.arm}` : `${target.os}/${target.arch}`,
        format: 'tar.gz',
        size: 1,
        sha256: sha(version, archiveName(version, target)),
        binary: { name: 'glide', size: 1, sha256: sha(version, 'binary') },
        proof: { header: 'ELF', ran: 'native' },
      }));
    const ledger: ReleaseLedger = { ...ledgerOf(version), artifacts: archives };
    expect(snapTargets(ledger).map((target) => [target.architecture, target.archive.target])).toEqual([
      ['amd64', 'linux/amd64'],
      ['armhf', 'linux/arm/7'],
      ['ppc64el', 'linux/ppc64le'],
    ]);
  });
});

describe('snap.yaml', () => {
  it.each([
    ['0.1.0-rc.1', 'devel'],
    ['0.1.0', 'stable'],
  ] as const)('%s is grade %s, strict, one architecture, serving HTTP', (version, grade) => {
    const ledger = ledgerOf(version);
    for (const architecture of ['amd64', 'armhf', 'riscv64'] as const) {
      expect(parse(renderSnapYaml(ledger, CONFIG, architecture))).toEqual({
        name: 'glide',
        version,
        summary: CONFIG.summary,
        description: CONFIG.description,
        license: 'Apache-2.0',
        base: 'core22',
        grade,
        confinement: 'strict',
        architectures: [architecture],
        apps: { glide: { command: 'bin/glide', plugs: ['network', 'network-bind', 'home'] } },
      });
    }
  });

  it('refuses a version the store refuses before writing anything', () => {
    const ledger = { ...ledgerOf('0.1.0'), version: '0.1.0_1' };
    expect(caught(() => renderSnapYaml(ledger, CONFIG, 'amd64')).code).toBe('ESNAPVERSION');
  });
});

describe('snap version rule', () => {
  it.each(['0.1.0', '0.1.0-rc.1', '10.20.30-rc.99', '1', 'a:b+c~', 'x'.repeat(32)])('accepts %s', (version) => {
    expect(() => assertSnapVersion(version)).not.toThrow();
  });
  it.each([
    ['', /1 to 32/],
    ['x'.repeat(33), /33 characters/],
    ['0.1.0_rc1', /"_"/],
    ['0.1.0 rc', /" "/],
    ['-0.1.0', /start with a letter or digit/],
    ['0.1.0-', /end with a letter, digit, \+ or ~/],
    ['0.1.0.', /end with/],
  ])('refuses %j by name', (version, why) => {
    const error = caught(() => assertSnapVersion(version));
    expect(error.code).toBe('ESNAPVERSION');
    expect(error.message).toMatch(why);
  });
});

describe('snap config', () => {
  it('is off unless the config names it, and takes defaults when it does', () => {
    expect(parseConfig('{}', 'c.json').channels.snap).toBeUndefined();
    expect(parseConfig('{"channels":{"snap":{}}}', 'c.json').channels.snap).toEqual(CONFIG);
  });
  it.each(['Glide', 'glide_x', '-glide', 'glide-', 'g--lide', '123', 'x'.repeat(41)])('refuses the snap name %j', (name) => {
    expect(snapConfigSchema.safeParse({ name }).success).toBe(false);
    expect(caught(() => parseConfig(JSON.stringify({ channels: { snap: { name } } }), 'c.json')).code).toBe('ECONFIG');
  });
  it('refuses a summary longer than the store shows', () => {
    expect(snapConfigSchema.safeParse({ summary: 'x'.repeat(79) }).success).toBe(false);
  });
});

describe('the channel map', () => {
  const STABLE_RISKS = (track: string) => ['stable', 'candidate', 'beta', 'edge'].map((risk) => `${track}/${risk}`);
  it.each([
    // [version, released before, channels]
    ['0.0.1-rc.1', [], ['latest/beta', 'latest/edge']],
    ['0.0.1', ['0.0.1-rc.1'], STABLE_RISKS('latest')],
    ['0.1.0-rc.1', ['0.0.4', '0.0.3'], ['latest/beta', 'latest/edge']],
    ['0.1.0', ['0.1.0-rc.2', '0.0.4'], STABLE_RISKS('latest')],
    // a re-run of the release already out stays on latest
    ['0.1.0', ['0.1.0', '0.0.4'], STABLE_RISKS('latest')],
    // a patch of the latest line
    ['0.1.1-rc.1', ['0.1.0'], ['latest/beta', 'latest/edge']],
    // a maintenance release of an older line never takes latest back
    ['0.0.5', ['0.1.0', '0.0.4'], STABLE_RISKS('0.0')],
    ['0.0.5-rc.1', ['0.1.0', '0.0.4'], ['0.0/beta', '0.0/edge']],
    // an RC above every stable, though a higher RC is out
    ['0.1.0-rc.3', ['0.2.0-rc.1', '0.0.4'], ['latest/beta', 'latest/edge']],
    // tags that are no release are ignored
    ['1.0.0', ['nightly', 'v9.9.9', '0.9.0'], STABLE_RISKS('latest')],
  ] as const)('%s after %j → %j', (version, released, channels) => {
    expect(snapChannels(version, released)).toEqual(channels);
  });

  it('never names candidate or stable for an RC (the store refuses grade devel there)', () => {
    for (const released of [[], ['0.1.0'], ['9.0.0']]) {
      expect(snapChannels('0.1.1-rc.1', released).filter((channel) => /\/(stable|candidate)$/.test(channel))).toEqual([]);
    }
  });
});

describe('planSnap', () => {
  const packed = (ledger: ReleaseLedger, architecture: PackedSnap['architecture'], digest = 'ab'.repeat(48)): PackedSnap => ({
    architecture,
    path: `${ledger.tag}/snap/glide_${ledger.version}_${architecture}.snap`,
    size: 4096,
    sha3_384: digest,
  });
  const held = (channel: string, architecture: string, version: string, sha3_384 = 'ab'.repeat(48)): SnapChannelEntry => ({
    channel,
    architecture,
    version,
    sha3_384,
  });

  it('plans the upload and the release of each snap, as exact request lines', () => {
    const ledger = ledgerOf('0.1.0-rc.1');
    const snaps = [packed(ledger, 'amd64'), packed(ledger, 'arm64', 'cd'.repeat(48))];
    const mutations = planSnap(ledger, CONFIG, snaps, { channelMap: [], publishedVersions: ['0.0.4'] });
    expect(formatSnapMutations(mutations)).toBe(
      [
        `POST https://storage.snapcraftcontent.com/unscanned-upload/ 0.1.0-rc.1/snap/glide_0.1.0-rc.1_amd64.snap sha3-384:${'ab'.repeat(48)} (4096 bytes)`,
        `POST https://dashboard.snapcraft.io/dev/api/snap-push/ name=glide updown_id={upload_id of the upload above} series=16 arch=amd64 sha3-384:${'ab'.repeat(48)} binary_filesize=4096 built_at=2024-07-09T10:00:00.000Z channels=latest/beta,latest/edge`,
        `POST https://storage.snapcraftcontent.com/unscanned-upload/ 0.1.0-rc.1/snap/glide_0.1.0-rc.1_arm64.snap sha3-384:${'cd'.repeat(48)} (4096 bytes)`,
        `POST https://dashboard.snapcraft.io/dev/api/snap-push/ name=glide updown_id={upload_id of the upload above} series=16 arch=arm64 sha3-384:${'cd'.repeat(48)} binary_filesize=4096 built_at=2024-07-09T10:00:00.000Z channels=latest/beta,latest/edge`,
        '',
      ].join('\n'),
    );
  });

  it('plans nothing once the store holds this build in every channel', () => {
    const ledger = ledgerOf('0.1.0');
    const channelMap = ['stable', 'candidate', 'beta', 'edge'].map((risk) => held(`latest/${risk}`, 'amd64', '0.1.0'));
    expect(planSnap(ledger, CONFIG, [packed(ledger, 'amd64')], { channelMap, publishedVersions: ['0.1.0'] })).toEqual([]);
  });

  it('releases only to the channels still behind, and never moves a channel back', () => {
    const ledger = ledgerOf('0.1.0');
    const channelMap = [
      held('latest/stable', 'amd64', '0.0.4'),
      held('latest/candidate', 'amd64', '0.1.0'),
      held('latest/beta', 'amd64', '0.2.0-rc.1'),
      // another architecture's channels say nothing of amd64's
      held('latest/edge', 'arm64', '0.1.0'),
    ];
    const mutations = planSnap(ledger, CONFIG, [packed(ledger, 'amd64')], { channelMap, publishedVersions: ['0.0.4'] });
    expect(mutations.map((mutation) => (mutation.kind === 'snap-push' ? mutation.channels : mutation.kind))).toEqual([
      'snap-upload',
      ['latest/stable', 'latest/edge'],
    ]);
  });

  it('refuses the same version with other bytes in the store (ESNAPCONFLICT)', () => {
    const ledger = ledgerOf('0.1.0');
    const channelMap = [held('latest/stable', 'amd64', '0.1.0', 'ee'.repeat(48))];
    const error = caught(() => planSnap(ledger, CONFIG, [packed(ledger, 'amd64')], { channelMap, publishedVersions: ['0.1.0'] }));
    expect(error.code).toBe('ESNAPCONFLICT');
    expect(error.details.join('\n')).toContain(`sha3-384:${'ee'.repeat(48)}`);
  });

  it('applying only reports the plan: planned only, with the command to run by hand', () => {
    const ledger = ledgerOf('0.1.0-rc.1');
    const mutations = planSnap(ledger, CONFIG, [packed(ledger, 'amd64')], { channelMap: [], publishedVersions: [] });
    const result = applySnapMutations(mutations, '/out');
    expect(result).toEqual({
      status: 'planned-only',
      requests: formatSnapMutations(mutations),
      commands: ['snapcraft upload --release=latest/beta,latest/edge /out/0.1.0-rc.1/snap/glide_0.1.0-rc.1_amd64.snap'],
    });
  });
});
