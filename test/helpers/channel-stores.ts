import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CHOCOLATEY_PUSH_URL } from '../../release/src/channels/chocolatey/plan.js';
import { SNAP_STORE } from '../../release/src/channels/snap/plan.js';
import { PLANNED_ONLY } from '../../release/src/publish/channels.js';
import type { ChocolateyFeedStandin, FeedPackage } from './chocolatey-feed-standin.js';
import type { SnapRevision, SnapStoreStandin } from './snap-store-standin.js';

export interface ChannelStores {
  readonly snapStore?: SnapStoreStandin;
  readonly chocolateyFeed?: ChocolateyFeedStandin;
}

export interface SentChannelRequests {
  /** One per `snap-push` line: the revision the store now holds. */
  readonly snaps: readonly SnapRevision[];
  /** One per `chocolatey:` line: the version the feed now lists. */
  readonly packages: readonly FeedPackage[];
}

/** Each request's line after its `{channel}: {METHOD} {URL} `: the parts the maintainer's command needs. */
const SNAP_UPLOAD = { prefix: `snap: POST ${SNAP_STORE.storage} `, rest: /^(\S+) sha3-384:([0-9a-f]{96}) \((\d+) bytes\)$/ };
const SNAP_PUSH = { prefix: `snap: POST ${SNAP_STORE.dashboard} `, rest: /^.* sha3-384:([0-9a-f]{96}) binary_filesize=(\d+) .* channels=(\S+)$/ };
const CHOCOLATEY_PUSH = {
  prefix: `chocolatey: PUT ${CHOCOLATEY_PUSH_URL} `,
  rest: /^(\S+\.nupkg) sha256:([0-9a-f]{64}) \(multipart\/form-data, X-NuGet-ApiKey: \*\*\*(, a pre-release)?\)$/,
};

function match(line: string, request: { readonly prefix: string; readonly rest: RegExp }): RegExpExecArray | null {
  return line.startsWith(request.prefix) ? request.rest.exec(line.slice(request.prefix.length)) : null;
}

/**
 * Does what the maintainer does with `glide-release publish`'s planned-only requests, against the
 * loopback stand-ins: every `snap:` upload + push pair becomes `snapcraft upload --release=CHANNELS`
 * of `{outDir}/{path of the upload line}`, every `chocolatey:` line a `choco push` of
 * `{outDir}/{tag}/chocolatey/{file name}`. Each file is checked against its line first (sha3-384
 * and size; sha256 and the pre-release flag), so what lands is what publish planned.
 *
 * `stdout` is publish's standard output (dry run or real run: the lines are the same); lines
 * not marked planned-only are ignored. Throws when a line names a store not given, a file that is
 * missing or other bytes, or a request it cannot read.
 */
export async function sendPlannedChannelRequests(stdout: string, outDir: string, stores: ChannelStores): Promise<SentChannelRequests> {
  const snaps: SnapRevision[] = [];
  const packages: FeedPackage[] = [];
  let upload: { readonly file: string; readonly sha3_384: string; readonly size: number } | undefined;
  for (const marked of stdout.split('\n').filter((line) => line.endsWith(` ${PLANNED_ONLY}`))) {
    const line = marked.slice(0, -` ${PLANNED_ONLY}`.length);
    const uploadLine = match(line, SNAP_UPLOAD);
    const pushLine = match(line, SNAP_PUSH);
    const chocolateyLine = match(line, CHOCOLATEY_PUSH);
    if (uploadLine) {
      upload = { file: join(outDir, uploadLine[1]!), sha3_384: uploadLine[2]!, size: Number(uploadLine[3]) };
    } else if (pushLine) {
      if (!stores.snapStore) throw new Error(`publish planned a Snap Store request but no snapStore was given: ${line}`);
      if (!upload || upload.sha3_384 !== pushLine[1] || upload.size !== Number(pushLine[2])) {
        throw new Error(`a snap-push line follows no upload line of the same snap: ${line}`);
      }
      const bytes = await readFile(upload.file);
      const sha3 = createHash('sha3-384').update(bytes).digest('hex');
      if (sha3 !== upload.sha3_384 || bytes.length !== upload.size) throw new Error(`${upload.file} is not the snap publish planned (sha3-384 ${sha3})`);
      snaps.push(await stores.snapStore.upload(upload.file, pushLine[3]!.split(',')));
      upload = undefined;
    } else if (chocolateyLine) {
      if (!stores.chocolateyFeed) throw new Error(`publish planned a Chocolatey feed request but no chocolateyFeed was given: ${line}`);
      const [, fileName, sha256, prerelease] = chocolateyLine;
      const bytes = await readFile(await nupkgIn(outDir, fileName!));
      if (createHash('sha256').update(bytes).digest('hex') !== sha256) throw new Error(`${fileName} in ${outDir} is not the package publish planned`);
      const pushed = await stores.chocolateyFeed.push(bytes);
      if (pushed.prerelease !== (prerelease !== undefined)) throw new Error(`${fileName}: the line's pre-release flag is not the package version's`);
      packages.push(pushed);
    } else {
      throw new Error(`not a planned-only request sendPlannedChannelRequests knows: ${marked}`);
    }
  }
  if (upload) throw new Error(`the upload of ${upload.file} has no snap-push line after it`);
  return { snaps, packages };
}

/** `{outDir}/{tag}/chocolatey/{fileName}`: the file name holds the version, so exactly one tag folder has it. */
async function nupkgIn(outDir: string, fileName: string): Promise<string> {
  const found: string[] = [];
  for (const entry of await readdir(outDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const names = await readdir(join(outDir, entry.name, 'chocolatey')).catch(() => [] as string[]);
    if (names.includes(fileName)) found.push(join(outDir, entry.name, 'chocolatey', fileName));
  }
  if (found.length !== 1) throw new Error(`${fileName} is in ${found.length} of the tag folders of ${outDir}, not one (did the real run write it?)`);
  return found[0]!;
}
