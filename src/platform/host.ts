import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { HostFacts } from './detect.js';

const run = promisify(execFile);

/** Reads the facts `hostTarget` decides from. Only an x64 Node on macOS can be translated, so only it pays for a `sysctl`. */
export async function readHostFacts(): Promise<HostFacts> {
  const { platform, arch } = process;
  const armVersion = (process.config.variables as { arm_version?: string }).arm_version;
  const translated = platform === 'darwin' && arch === 'x64' ? await isTranslated() : false;
  return { platform, arch, ...(armVersion ? { armVersion: String(armVersion) } : {}), translated };
}

async function isTranslated(): Promise<boolean> {
  try {
    const { stdout } = await run('sysctl', ['-in', 'sysctl.proc_translated'], { timeout: 2000 });
    return stdout.trim() === '1';
  } catch {
    // Intel Macs have no such key: not translated.
    return false;
  }
}
