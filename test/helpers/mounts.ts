import { execa } from 'execa';

/**
 * A real tmpfs mounted on `dir` for the filesystem failures a user meets: read-only
 * (`mount -o ro`: as root, chmod cannot make a folder unwritable) or tiny (`size=64k`, a
 * full disk). Needs root or CAP_SYS_ADMIN, which the developers' machines and CI have.
 */
export type Mounted = { readonly unmount: () => Promise<void> } | { readonly unavailable: string };

export async function mountTmpfs(dir: string, options: { readonly readOnly?: boolean; readonly size?: string }): Promise<Mounted> {
  const flags = [options.readOnly ? 'ro' : 'rw', ...(options.size ? [`size=${options.size}`] : [])].join(',');
  const mounted = await execa('mount', ['-t', 'tmpfs', '-o', flags, 'tmpfs', dir], { reject: false, all: true });
  if (mounted.exitCode !== 0) {
    return {
      unavailable: `cannot mount a tmpfs here (mount -t tmpfs -o ${flags}: ${mounted.all?.trim() || `exit ${mounted.exitCode}`}); it needs root or CAP_SYS_ADMIN`,
    };
  }
  return { unmount: async () => void (await execa('umount', [dir])) };
}
