import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { closeServer, listenOnLoopback } from './static-mirror.js';

/**
 * The Snap Store's public info API on 127.0.0.1: `GET /v2/snaps/info/{name}`, the request snapd
 * makes (and `readSnapChannelMap`). The answer has the shape of snapd's `storeInfo`
 * (store/details_v2.go): top-level `name`, `snap-id`, `snap`, and a `channel-map` of
 * `storeInfoChannelSnap` entries — `channel {architecture, name, risk, track, released-at}`,
 * `download {deltas, sha3-384, size, url}`, `revision`, `version`, `created-at`, … A snap it does
 * not hold is a 404 with the store API's `error-list` body. Nothing is uploaded through HTTP:
 * `upload` is what a maintainer's `snapcraft upload --release=…` leaves in the store.
 */

const run = promisify(execFile);

export interface SnapRevision {
  readonly revision: number;
  readonly version: string;
  readonly architecture: string;
  readonly sha3_384: string;
  readonly size: number;
  readonly createdAt: string;
}

/** One channel of one architecture, and the revision released there. */
export interface SnapRelease {
  /** `track/risk`, e.g. `latest/beta`. */
  readonly channel: string;
  readonly architecture: string;
  readonly revision: number;
  readonly releasedAt: string;
}

export interface SnapStoreStandin {
  /** The API origin: `GLIDE_RELEASE_SNAP_STORE_API_URL`. */
  readonly url: string;
  /** Each info request as received (path, and the headers that matter to the store). */
  readonly requests: readonly { readonly path: string; readonly headers: IncomingHttpHeaders }[];
  /**
   * What `snapcraft upload --release=CHANNELS FILE` leaves: a new revision of the snap the file's
   * `meta/snap.yaml` names (read with unsquashfs, as the store reads it), released to `channels`.
   */
  upload(file: string, channels: readonly string[]): Promise<SnapRevision>;
  /** A revision with the given fields, released to `channels`: a store holding what this machine did not build. */
  hold(name: string, revision: Omit<SnapRevision, 'revision' | 'createdAt'>, channels: readonly string[]): SnapRevision;
  /** What the store holds of `name`: every revision, and the channel map. */
  snapshot(name: string): { readonly revisions: readonly SnapRevision[]; readonly releases: readonly SnapRelease[] };
  close(): Promise<void>;
}

interface HeldSnap {
  readonly snapId: string;
  readonly revisions: SnapRevision[];
  /** `track/risk/architecture` → release. */
  readonly releases: Map<string, SnapRelease>;
}

export async function startSnapStoreStandin(options: { readonly now?: () => Date } = {}): Promise<SnapStoreStandin> {
  const now = options.now ?? (() => new Date());
  const snaps = new Map<string, HeldSnap>();
  const requests: { path: string; headers: IncomingHttpHeaders }[] = [];
  let nextRevision = 1;

  const held = (name: string): HeldSnap => {
    let snap = snaps.get(name);
    if (!snap) {
      snap = { snapId: createHash('sha256').update(name).digest('hex').slice(0, 32), revisions: [], releases: new Map() };
      snaps.set(name, snap);
    }
    return snap;
  };

  const add = (name: string, fields: Omit<SnapRevision, 'revision' | 'createdAt'>, channels: readonly string[]): SnapRevision => {
    const snap = held(name);
    const revision: SnapRevision = { ...fields, revision: nextRevision++, createdAt: now().toISOString() };
    snap.revisions.push(revision);
    for (const channel of channels) {
      if (!/^[^/]+\/(stable|candidate|beta|edge)$/.test(channel)) throw new Error(`snap store stand-in: ${channel} is not track/risk`);
      snap.releases.set(`${channel}/${fields.architecture}`, {
        channel,
        architecture: fields.architecture,
        revision: revision.revision,
        releasedAt: now().toISOString(),
      });
    }
    return revision;
  };

  const server = createServer((request, response) => {
    const path = request.url ?? '';
    requests.push({ path, headers: request.headers });
    const name = /^\/v2\/snaps\/info\/([^/?]+)$/.exec(path)?.[1];
    const snap = name === undefined ? undefined : snaps.get(decodeURIComponent(name));
    if (request.method !== 'GET' || name === undefined || snap === undefined) {
      const body = { 'error-list': [{ code: 'resource-not-found', message: `No snap named '${name ?? ''}' found in series '16'.` }] };
      response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(infoAnswer(decodeURIComponent(name), snap)));
  });
  const url = await listenOnLoopback(server);

  return {
    url,
    requests,
    async upload(file, channels) {
      const bytes = await readFile(file);
      const { stdout } = await run('unsquashfs', ['-cat', file, 'meta/snap.yaml'], { encoding: 'utf8' });
      const meta = parse(stdout) as { name: string; version: string; architectures: string[] };
      return add(
        meta.name,
        {
          version: meta.version,
          architecture: meta.architectures[0]!,
          sha3_384: createHash('sha3-384').update(bytes).digest('hex'),
          size: bytes.length,
        },
        channels,
      );
    },
    hold: add,
    snapshot(name) {
      const snap = snaps.get(name);
      return { revisions: [...(snap?.revisions ?? [])], releases: [...(snap?.releases.values() ?? [])] };
    },
    close: () => closeServer(server),
  };

  function infoAnswer(name: string, snap: HeldSnap): unknown {
    const byRevision = new Map(snap.revisions.map((revision) => [revision.revision, revision]));
    const storeSnap = (revision: SnapRevision) => ({
      architectures: [revision.architecture],
      base: 'core22',
      confinement: 'strict',
      'created-at': revision.createdAt,
      download: {
        deltas: [],
        'sha3-384': revision.sha3_384,
        size: revision.size,
        url: `${url}/api/v1/snaps/download/${snap.snapId}_${revision.revision}.snap`,
      },
      revision: revision.revision,
      type: 'app',
      version: revision.version,
    });
    return {
      'channel-map': [...snap.releases.values()].map((release) => {
        const [track, risk] = release.channel.split('/') as [string, string];
        return {
          ...storeSnap(byRevision.get(release.revision)!),
          channel: {
            architecture: release.architecture,
            // The store names a channel of the default track by its risk alone.
            name: track === 'latest' ? risk : release.channel,
            'released-at': release.releasedAt,
            risk,
            track,
          },
        };
      }),
      name,
      snap: { name, 'snap-id': snap.snapId, publisher: { id: 'glide-publisher', username: 'einstack', 'display-name': 'EinStack' }, summary: name },
      'snap-id': snap.snapId,
    };
  }
}
