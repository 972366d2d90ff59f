// A counting reverse proxy for an OCI registry on loopback (bench/publish): each request is
// classified by its route (routeOf, pure), its body bytes are counted, and blob uploads are
// attributed to the digest the final PUT names, so the bytes can be split by what they were
// (uploadedByKind, pure). node:http piping is enough: the proxy changes nothing it forwards.
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const ROUTE_KINDS = [
  'ping',
  'blob HEAD',
  'blob GET',
  'upload POST',
  'mount',
  'upload PATCH',
  'upload PUT',
  'manifest HEAD',
  'manifest GET',
  'manifest PUT',
  'tags list',
  'other',
] as const;
export type RouteKind = (typeof ROUTE_KINDS)[number];

export interface Route {
  readonly kind: RouteKind;
  /** The upload session's id (the path segment after `/blobs/uploads/`). */
  readonly session?: string;
  /** The blob a final upload PUT (or a monolithic POST) names. */
  readonly digest?: string;
}

// Repository names hold slashes, so the name is everything between /v2/ and the route's own segments.
const BLOB = /^\/v2\/.+\/blobs\/([^/]+)$/;
const UPLOADS = /^\/v2\/.+\/blobs\/uploads\/?$/;
const UPLOAD = /^\/v2\/.+\/blobs\/uploads\/([^/]+)$/;
const MANIFEST = /^\/v2\/.+\/manifests\/[^/]+$/;
const TAGS = /^\/v2\/.+\/tags\/list$/;

/** What a registry request is, from its method and URL (path and query) alone. */
export function routeOf(method: string, url: string): Route {
  const { pathname, searchParams } = new URL(url, 'http://registry.invalid');
  const digest = searchParams.get('digest') ?? undefined;
  if (/^\/v2\/?$/.test(pathname)) return { kind: 'ping' };
  if (UPLOADS.test(pathname) && method === 'POST') {
    if (searchParams.has('mount')) return { kind: 'mount' };
    return { kind: 'upload POST', ...(digest ? { digest } : {}) };
  }
  const upload = UPLOAD.exec(pathname);
  if (upload) {
    const session = upload[1]!;
    if (method === 'PATCH') return { kind: 'upload PATCH', session };
    if (method === 'PUT') return { kind: 'upload PUT', session, ...(digest ? { digest } : {}) };
    return { kind: 'other', session };
  }
  const blob = BLOB.exec(pathname);
  if (blob && (method === 'HEAD' || method === 'GET')) return { kind: `blob ${method}` };
  if (MANIFEST.test(pathname) && (method === 'HEAD' || method === 'GET' || method === 'PUT')) return { kind: `manifest ${method}` };
  if (TAGS.test(pathname) && method === 'GET') return { kind: 'tags list' };
  return { kind: 'other' };
}

/** What went through the proxy since the last `take()`. */
export interface RegistryTally {
  readonly requests: Record<RouteKind, number>;
  /** Mount requests the registry answered 201 (mounted, nothing uploaded). */
  mounted: number;
  /** Every request body byte: blob uploads, manifests, anything else. */
  bodyBytes: number;
  /** Finished blob uploads: the digest the final PUT named and the bytes its session carried. */
  readonly blobs: Array<{ readonly digest: string; readonly bytes: number }>;
  /** Manifest PUT bodies, as uploaded. */
  readonly manifests: Buffer[];
}

function emptyTally(): RegistryTally {
  return {
    requests: Object.fromEntries(ROUTE_KINDS.map((kind) => [kind, 0])) as Record<RouteKind, number>,
    mounted: 0,
    bodyBytes: 0,
    blobs: [],
    manifests: [],
  };
}

/** The layers and config a manifest names (an index names neither). */
function referencedBy(manifest: Buffer): { config?: string; layers: string[] } {
  const parsed = JSON.parse(manifest.toString('utf8')) as { config?: { digest?: string }; layers?: Array<{ digest?: string }> };
  return {
    ...(parsed.config?.digest ? { config: parsed.config.digest } : {}),
    layers: (parsed.layers ?? []).flatMap((layer) => (layer.digest ? [layer.digest] : [])),
  };
}

export interface UploadedByKind {
  readonly total: number;
  readonly baseLayers: number;
  /** Layers the uploaded manifests name that are not a base's: the glide layer of each image. */
  readonly glideLayers: number;
  /** Image configs the uploaded manifests name, and the manifests and indexes themselves. */
  readonly configsAndManifests: number;
  /** Bytes no manifest of this tally accounts for (a blob whose manifest was never put, a failed request). */
  readonly unaccounted: number;
}

/** The tally's uploaded bytes split by what they were: base layers by digest, the rest by what the uploaded manifests name. */
export function uploadedByKind(tally: RegistryTally, baseLayers: ReadonlySet<string>): UploadedByKind {
  const configs = new Set<string>();
  const layers = new Set<string>();
  for (const manifest of tally.manifests) {
    const named = referencedBy(manifest);
    if (named.config) configs.add(named.config);
    for (const layer of named.layers) layers.add(layer);
  }
  let base = 0;
  let glide = 0;
  let configBytes = 0;
  for (const { digest, bytes } of tally.blobs) {
    if (baseLayers.has(digest)) base += bytes;
    else if (configs.has(digest)) configBytes += bytes;
    else if (layers.has(digest)) glide += bytes;
  }
  const manifestBytes = tally.manifests.reduce((sum, manifest) => sum + manifest.length, 0);
  const configsAndManifests = configBytes + manifestBytes;
  return {
    total: tally.bodyBytes,
    baseLayers: base,
    glideLayers: glide,
    configsAndManifests,
    unaccounted: tally.bodyBytes - base - glide - configsAndManifests,
  };
}

export interface CountingProxy {
  /** `127.0.0.1:PORT`, as in an image reference. */
  readonly host: string;
  /** The tally since the last call, and a fresh one from now on. */
  take(): RegistryTally;
  close(): Promise<void>;
}

/** Starts the proxy in front of `upstream` (`http://127.0.0.1:PORT`). */
export async function startCountingProxy(upstream: string): Promise<CountingProxy> {
  const target = new URL(upstream);
  let tally = emptyTally();
  // Bytes of each open upload session, until its final PUT names the digest.
  const sessions = new Map<string, number>();

  const server: Server = createServer((req, res) => {
    const route = routeOf(req.method ?? 'GET', req.url ?? '/');
    const counting = tally;
    counting.requests[route.kind]++;
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    const chunks: Buffer[] = [];
    if (route.kind === 'manifest PUT') req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      counting.bodyBytes += bytes;
      if (route.kind === 'manifest PUT') counting.manifests.push(Buffer.concat(chunks));
      if (route.session === undefined && route.digest === undefined) return;
      const carried = (route.session ? (sessions.get(route.session) ?? 0) : 0) + bytes;
      if (route.digest) {
        if (route.session) sessions.delete(route.session);
        counting.blobs.push({ digest: route.digest, bytes: carried });
      } else if (route.session) sessions.set(route.session, carried);
    });
    // The Host header is kept, so the registry's upload Locations point back at the proxy.
    const forward = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer: IncomingMessage) => {
        if (route.kind === 'mount' && answer.statusCode === 201) counting.mounted++;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    take() {
      const taken = tally;
      tally = emptyTally();
      return taken;
    },
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
