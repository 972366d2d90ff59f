import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Tests never touch the real HOME or caches: HOME, the XDG dirs and GLIDE_CACHE_DIR point at
 * a temp folder for the whole run. Go's build cache is the one exception kept across runs, in
 * the project's own .cache/ (never the user's), so a second `npm test` does not recompile the
 * standard library for sixteen targets. Debian 13's Go 1.24 (test/helpers/go-current.ts) gets a
 * cache of its own beside it: Go could share one, but apart each Go's cold start shows plainly.
 * tmux, which the terminal tests drive, gets a server of the run's own (TMUX_TMPDIR).
 */
export default function setup(): () => void {
  const home = mkdtempSync(join(tmpdir(), 'glide-test-home-'));
  const goCache = process.env.GOCACHE_FOR_TESTS ?? resolve('.cache/go-build');
  const goCurrentCache = `${goCache}-1.24`;
  // A tmux server of this run's own: another run's last killed session takes the shared server down with whatever it is starting.
  const tmuxDir = join(home, 'tmux');
  for (const dir of [goCache, goCurrentCache, tmuxDir]) mkdirSync(dir, { recursive: true });
  // A token of the machine's never reaches a test (each test sets the one its stand-in takes).
  for (const name of ['GLIDE_GITHUB_TOKEN', 'GH_TOKEN', 'GITHUB_TOKEN']) delete process.env[name];
  Object.assign(process.env, {
    HOME: home,
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local/share'),
    XDG_STATE_HOME: join(home, '.local/state'),
    GLIDE_CACHE_DIR: join(home, 'glide-cache'),
    GOCACHE: goCache,
    GO_CURRENT_GOCACHE: goCurrentCache,
    GOPATH: join(home, 'go'),
    GOFLAGS: '',
    GOTOOLCHAIN: 'local',
    GIT_CONFIG_GLOBAL: join(home, '.gitconfig'),
    GIT_CONFIG_NOSYSTEM: '1',
    TZ: 'UTC',
    TMUX_TMPDIR: tmuxDir,
  });
  return () => rmSync(home, { recursive: true, force: true });
}
