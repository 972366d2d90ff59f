/**
 * The Helm channel's plan: pure over the ledger, the channel's config, the chart this release
 * packages and what the registry's tag names now. Converges: the same manifest already under
 * the tag → nothing; no tag → push; the tag names another digest → refused (EHELMCLOBBER),
 * since a chart version, like an image version tag, is never overwritten.
 */
import { GlideError } from '#contract';
import type { RegistryClient } from '../../../../src/registry/client.js';
import { parseImageReference } from '../../../../src/registry/reference.js';
import type { ReleaseLedger } from '../../ledger.js';
import type { HelmChannelConfig } from './config.js';
import { chartTag, type ChartArtifact } from './oci.js';

/**
 * RC and stable both go out: a chart version is immutable and a user must be able to try an
 * RC. An RC is annotated prerelease, so ArtifactHub shows it as such and `helm install`
 * (which skips SemVer prereleases unless `--devel`) never picks it as the newest. Snapshots never.
 */
export type HelmPolicy = { readonly push: true; readonly prerelease: boolean } | { readonly push: false; readonly reason: string };

export function helmPolicy(stage: ReleaseLedger['stage']): HelmPolicy {
  if (stage === 'snapshot') return { push: false, reason: 'snapshots are never published' };
  return { push: true, prerelease: stage === 'rc' };
}

export interface HelmPushTarget {
  /** As the registry client names it: `ghcr.io`, `127.0.0.1:5000`. */
  readonly registry: string;
  /** `einstack/charts/glide`: the config's namespace and the chart's name, as `helm push` joins them. */
  readonly repository: string;
}

export function helmPushTarget(config: Pick<HelmChannelConfig, 'registry'>, chartName: string): HelmPushTarget {
  const registry = config.registry.replace(/^oci:\/\//, '').replace(/\/+$/, '');
  const refuse = () =>
    new GlideError('ECONFIG', `channels.helm.registry "${config.registry}" is not a registry host and optional namespace.`, [
      'Write it as helm push takes it, without the chart name or a tag: e.g. ghcr.io/einstack/charts.',
    ]);
  let reference;
  try {
    reference = parseImageReference(`${registry}/${chartName}`);
  } catch {
    throw refuse();
  }
  // Helm reads the first part as the host, always; Docker's rules would send `einstack/charts` to Docker Hub.
  if (reference.tag !== undefined || reference.digest !== undefined || reference.registry !== registry.split('/')[0]) throw refuse();
  return { registry: reference.registry, repository: reference.repository };
}

/** What the registry holds now under the chart's tag (readHelmState). */
export interface HelmRegistryState {
  readonly tagDigest: string | undefined;
}

export interface HelmMutation {
  readonly kind: 'push-chart';
  /** `oci://ghcr.io/einstack/charts/glide:0.1.0-rc.1` */
  readonly ref: string;
  readonly manifest: string;
  readonly chart: string;
  readonly prerelease: boolean;
}

export function planHelm(
  ledger: Pick<ReleaseLedger, 'stage' | 'version'>,
  config: Pick<HelmChannelConfig, 'registry'>,
  chart: { readonly name: string; readonly artifact: ChartArtifact },
  state: HelmRegistryState,
): HelmMutation[] {
  const policy = helmPolicy(ledger.stage);
  if (!policy.push) return [];
  // The ledger is the only source of what a channel names: a chart packaged for another release is not pushed under this one.
  if (chart.artifact.tag !== chartTag(ledger.version)) {
    throw new GlideError('EHELMCHART', `The chart given is tagged ${chart.artifact.tag}, but the ledger's release is ${ledger.version}.`, [
      "Package the chart from this release's ledger (buildHelmChart) and plan again.",
    ]);
  }
  const target = helmPushTarget(config, chart.name);
  const ref = `oci://${target.registry}/${target.repository}:${chart.artifact.tag}`;
  const manifest = chart.artifact.manifest.digest;
  if (state.tagDigest === manifest) return [];
  if (state.tagDigest !== undefined) {
    throw new GlideError(
      'EHELMCLOBBER',
      `${ref} is already ${state.tagDigest}; this release's chart is ${manifest}. Nothing was pushed.`,
      clobberHints(ledger.version),
    );
  }
  return [{ kind: 'push-chart', ref, manifest, chart: chart.artifact.layer.digest, prerelease: policy.prerelease }];
}

/** What to do when a published chart version holds other bytes: the registry's tag and the classic index alike. */
export function clobberHints(version: string): string[] {
  return [
    `A chart version is never overwritten: release the change as a new version (a new RC or patch) instead of ${version}.`,
    'If it is meant to be the same chart, package it from the same commit and chart folder as the published one.',
  ];
}

/** The dry run's line of a mutation. */
export function describeHelmMutation(mutation: HelmMutation): string {
  return `helm: PUT ${mutation.ref} manifest ${mutation.manifest} (chart ${mutation.chart}${mutation.prerelease ? ', prerelease' : ''})`;
}

export async function readHelmState(client: RegistryClient, target: HelmPushTarget, tag: string): Promise<HelmRegistryState> {
  return { tagDigest: await client.manifestDigest(target.repository, tag) };
}

/** Pushes the config and the chart, then the manifest by its tag, so the tag only ever names content the registry holds. */
export async function applyHelm(client: RegistryClient, target: HelmPushTarget, artifact: ChartArtifact): Promise<void> {
  await client.pushBlob(target.repository, artifact.config.digest, artifact.config.bytes);
  await client.pushBlob(target.repository, artifact.layer.digest, artifact.layer.bytes);
  await client.putManifest(target.repository, artifact.tag, artifact.manifest.mediaType, artifact.manifest.bytes);
}
