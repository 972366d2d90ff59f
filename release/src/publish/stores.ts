/**
 * The two stores publish holds no login for, read anonymously before anything is planned, so a
 * re-run after the maintainer sent the planned requests plans nothing there (decision 0052).
 * Where they are comes from the environment (a loopback stand-in in the tests); a store that
 * cannot be read leaves its requests planned, with a note saying why.
 */
import { GlideError } from '#contract';
import { HttpClient, isHttpsOrLoopback, proxyFromEnv } from '../../../src/net/http.js';
import { CHOCOLATEY_FEED_URL, readChocolateyFeed } from '../channels/chocolatey/feed.js';
import type { ChocolateyFeed } from '../channels/chocolatey/plan.js';
import type { SnapChannelEntry } from '../channels/snap/plan.js';
import { readSnapChannelMap, SNAP_API_ORIGIN } from '../channels/snap/read-store.js';
import type { ReleaseConfig } from '../config.js';

export interface StoreLocations {
  /** The Snap Store's API origin (`GLIDE_RELEASE_SNAP_STORE_API_URL`). */
  readonly snapStoreApi: string;
  /** The Chocolatey feed's OData root (`GLIDE_RELEASE_CHOCOLATEY_FEED_URL`). */
  readonly chocolateyFeed: string;
}

/** The stores' defaults, or the overrides from the environment; ECONFIG for an override that is not a store URL. */
export function storeLocations(env: NodeJS.ProcessEnv): StoreLocations {
  const snap = env.GLIDE_RELEASE_SNAP_STORE_API_URL?.trim();
  const feed = env.GLIDE_RELEASE_CHOCOLATEY_FEED_URL?.trim();
  return {
    snapStoreApi: snap ? storeUrl(snap, 'GLIDE_RELEASE_SNAP_STORE_API_URL', SNAP_API_ORIGIN, { originOnly: true }) : SNAP_API_ORIGIN,
    chocolateyFeed: feed ? storeUrl(feed, 'GLIDE_RELEASE_CHOCOLATEY_FEED_URL', CHOCOLATEY_FEED_URL, { originOnly: false }) : CHOCOLATEY_FEED_URL,
  };
}

function storeUrl(value: string, name: string, example: string, { originOnly }: { originOnly: boolean }): string {
  const refuse = (why: string): GlideError => new GlideError('ECONFIG', `${name} ${why}.`, [`Set it to a URL such as ${example}, or unset it.`]);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw refuse('is not a URL');
  }
  // The value is never echoed: it may hold the very credentials refused here.
  if (url.username || url.password) throw refuse('holds credentials: the store is read anonymously, and they would end up in logs');
  // The answer decides which requests are left out of the plan: only the store itself (or a stand-in on this machine) may give it.
  if (!isHttpsOrLoopback(url)) {
    throw refuse('is not an https URL (http only for 127.0.0.1, ::1 or localhost)');
  }
  if (url.search || url.hash) throw refuse('has a query or fragment');
  if (originOnly && url.pathname !== '/') throw refuse('has a path: give the origin only');
  return originOnly ? url.origin : `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** What a store holds, or why it was not read. */
export type StoreRead<T> = { readonly held: T } | { readonly unread: string };

export interface StoreStates {
  readonly snap?: StoreRead<readonly SnapChannelEntry[]>;
  readonly chocolatey?: StoreRead<ChocolateyFeed>;
}

/** Codes of a store that could not be read: down, unreachable, or answering something that is not its API. */
const UNREADABLE: ReadonlySet<string> = new Set(['ESNAPSTORE', 'ECHOCOFEED', 'ENETWORK', 'ETLS']);

/**
 * Reads each enabled store, both at once, through one anonymous client with the proxy settings
 * from the environment. Any other failure (Ctrl-C, a bug) is thrown.
 */
export async function readStores(context: {
  readonly config: ReleaseConfig['channels'];
  readonly env: NodeJS.ProcessEnv;
  readonly signal: AbortSignal;
}): Promise<StoreStates> {
  const { config } = context;
  if (!config.snap && !config.chocolatey) return {};
  const locations = storeLocations(context.env);
  const client = new HttpClient({
    proxy: proxyFromEnv(context.env),
    // No token is ever given to this client: the origin only satisfies the type.
    apiOrigin: locations.snapStoreApi,
    userAgent: 'glide-release',
    signal: context.signal,
  });
  try {
    const [snap, chocolatey] = await Promise.all([
      config.snap ? attempt(() => readSnapChannelMap(client, config.snap!.name, locations.snapStoreApi)) : undefined,
      config.chocolatey ? attempt(() => readChocolateyFeed(config.chocolatey!.id, { client, feedUrl: locations.chocolateyFeed })) : undefined,
    ]);
    return { ...(snap ? { snap } : {}), ...(chocolatey ? { chocolatey } : {}) };
  } finally {
    await client.close();
  }
}

async function attempt<T>(read: () => Promise<T>): Promise<StoreRead<T>> {
  try {
    return { held: await read() };
  } catch (error) {
    if (error instanceof GlideError && UNREADABLE.has(error.code)) return { unread: `${error.code}: ${error.message}` };
    throw error;
  }
}
