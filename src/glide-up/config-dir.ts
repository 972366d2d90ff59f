/** Where glide-up keeps what it writes (a generated config). Pure, and light: every command asks it. */
import { isAbsolute, join } from 'node:path';
import { GlideError } from '#contract';

/** glide-up's own config folder: `$XDG_CONFIG_HOME/glide-up`, `~/Library/Application Support/glide-up`, `%APPDATA%\glide-up`. Pure. */
export function glideUpConfigDir(env: NodeJS.ProcessEnv, platform: string, home: string | undefined): string {
  if (platform === 'win32' && env.APPDATA) return join(env.APPDATA, 'glide-up');
  if (platform !== 'darwin' && platform !== 'win32' && env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME)) return join(env.XDG_CONFIG_HOME, 'glide-up');
  if (!home || !isAbsolute(home)) {
    throw new GlideError('ECACHEDIR', 'There is no home folder (HOME is empty or unset), so glide-up has nowhere to write its config.', [
      'Pass --config FILE, run where a config.yaml is, or set HOME (or XDG_CONFIG_HOME).',
    ]);
  }
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'glide-up');
  if (platform === 'win32') return join(home, 'AppData', 'Roaming', 'glide-up');
  return join(home, '.config', 'glide-up');
}
