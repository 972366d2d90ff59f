import { readdir, readFile } from 'node:fs/promises';

/** A running process as /proc shows it. */
export interface ProcessEntry {
  readonly pid: number;
  readonly ppid: number;
  readonly name: string;
}

async function processes(): Promise<ProcessEntry[]> {
  const entries: ProcessEntry[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split at the last ")".
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      entries.push({ pid: Number(name), ppid: Number(fields[1]), name: stat.slice(stat.indexOf('(') + 1, close) });
    } catch {
      // gone meanwhile
    }
  }
  return entries;
}

/** Every process descended from `root`, whatever its process group. */
export async function descendants(root: number): Promise<ProcessEntry[]> {
  const all = await processes();
  const found: ProcessEntry[] = [];
  const parents = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const entry of all) {
      if (parents.has(entry.ppid) && !parents.has(entry.pid)) {
        parents.add(entry.pid);
        found.push(entry);
        grew = true;
      }
    }
  }
  return found;
}

/** Which of `pids` are still alive (zombies count as gone). */
export async function stillRunning(pids: readonly number[]): Promise<number[]> {
  const alive: number[] = [];
  for (const pid of pids) {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z') alive.push(pid);
    } catch {
      // gone
    }
  }
  return alive;
}
