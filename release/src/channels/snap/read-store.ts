/**
 * What the Snap Store holds now, for the plan to converge on: the public info API (no login), the
 * one snapd itself asks. Each channel-map entry names its track, risk and architecture, and the
 * revision's version and sha3-384.
 */
import * as z from 'zod/mini';
import { GlideError } from '#contract';
import type { HttpClient } from '../../../../src/net/http.js';
import type { SnapChannelEntry } from './plan.js';

export const SNAP_API_ORIGIN = 'https://api.snapcraft.io';

const text = () => z.string().check(z.minLength(1));

const snapInfoSchema = z.object({
  'channel-map': z.array(
    z.object({
      channel: z.object({ architecture: text(), track: text(), risk: text() }),
      version: text(),
      download: z.object({ 'sha3-384': z.string().check(z.regex(/^[0-9a-f]{96}$/, 'not a sha3-384 (96 hex digits)')) }),
    }),
  ),
});

/** Pure: the entries of a `GET /v2/snaps/info/{name}` answer, each channel as `track/risk`; ESNAPSTORE when it is not one. */
export function parseSnapInfo(body: string, url: string): SnapChannelEntry[] {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    raw = undefined;
  }
  const result = snapInfoSchema.safeParse(raw);
  if (!result.success) {
    throw new GlideError('ESNAPSTORE', `${url} did not answer with a snap's channel map.`, [
      ...result.error.issues.slice(0, 3).map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`),
      'Run again later; if it persists, the store API changed: report it.',
    ]);
  }
  return result.data['channel-map'].map((entry) => ({
    channel: `${entry.channel.track}/${entry.channel.risk}`,
    architecture: entry.channel.architecture,
    version: entry.version,
    sha3_384: entry.download['sha3-384'],
  }));
}

/** The store's channel map of `name`; empty when the store has no such snap yet (404). */
export async function readSnapChannelMap(client: HttpClient, name: string, origin = SNAP_API_ORIGIN): Promise<SnapChannelEntry[]> {
  const url = `${origin}/v2/snaps/info/${encodeURIComponent(name)}`;
  const response = await client.getText(url, { headers: { 'Snap-Device-Series': '16' } });
  if (response.status === 404) return [];
  if (response.status !== 200) {
    throw new GlideError('ESNAPSTORE', `${url} answered HTTP ${response.status}.`, ['Run again later; the Snap Store may be down.']);
  }
  return parseSnapInfo(response.text, url);
}
