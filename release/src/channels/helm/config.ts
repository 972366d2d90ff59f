/**
 * The Helm channel's options, under `channels.helm` in glide-release's config. Off unless the
 * config names it: a fork's release must never push a chart to Glide's registry by default.
 */
import * as z from 'zod/mini';
import { DEFAULT_DISTRO, DISTROS } from '#contract';

const text = () => z.string().check(z.minLength(1));

export const helmChannelSchema = z.strictObject({
  /** The chart's folder in the released repository, relative to its root. */
  chart: z._default(text(), 'charts/glide'),
  /**
   * Where charts are pushed, as `helm push … oci://{registry}` takes it: a registry and a
   * namespace, no chart name (Helm appends the chart's name, as here).
   */
  registry: z._default(text(), 'ghcr.io/einstack/charts'),
  /** The image flavour the chart's default tag names: `{appVersion}-{distro}`. */
  distro: z._default(z.enum(DISTROS), DEFAULT_DISTRO),
});

export type HelmChannelConfig = z.infer<typeof helmChannelSchema>;
