/**
 * CPU and memory of a process and everything it spawned, read from /proc, so a server and its
 * ffmpeg children are measured together. The tree's CPU time is each live member's own time plus
 * what it has reaped of its children (cutime, cstime): a child that started and ended between two
 * samples (a worker's sub-second ffmpeg run) is counted once its parent has waited for it.
 */
import fs from 'node:fs';

const TICKS_PER_SECOND = 100;

interface Stat {
  ppid: number;
  /** its own CPU time and that of the children it has waited for */
  ticks: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces; fields are counted after its closing parenthesis.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]) };
  } catch {
    return undefined;
  }
}

export function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = readStat(Number(name));
    if (s) children.set(s.ppid, [...(children.get(s.ppid) ?? []), Number(name)]);
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]!) ?? []));
  return out;
}

function pssKiB(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export interface TreeUsage {
  /** average CPU over the window, in % of one core */
  cpuPercent: number;
  /** largest proportional set size of the whole tree seen in the window */
  peakPssMiB: number;
  processes: number;
}

/** Samples the trees under `roots` every second until `stop` is called. */
export function watchTree(roots: number | number[]): { stop(): TreeUsage } {
  let peakPss = 0;
  let maxProcesses = 0;
  const started = Date.now();
  // A member that exits between samples moves its time into its parent's reaped-children time, so
  // the sum stays whole; only the root's own exit would lose it, and the root outlives the window.
  const sample = () => {
    const pids = [roots].flat().flatMap(descendantsOf);
    maxProcesses = Math.max(maxProcesses, pids.length);
    let ticks = 0;
    let pss = 0;
    for (const pid of pids) {
      ticks += readStat(pid)?.ticks ?? 0;
      pss += pssKiB(pid);
    }
    peakPss = Math.max(peakPss, pss);
    return ticks;
  };
  const first = sample();
  const timer = setInterval(sample, 1000);
  return {
    stop() {
      clearInterval(timer);
      const ticks = sample() - first;
      const seconds = (Date.now() - started) / 1000;
      return { cpuPercent: (100 * ticks) / TICKS_PER_SECOND / seconds, peakPssMiB: peakPss / 1024, processes: maxProcesses };
    },
  };
}

/** Busy share of the whole machine (all cores, 100 % = every core busy) between start and stop. */
export function watchMachine(): { stop(): number } {
  const read = () => {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3]! + f[4]!;
    return { idle, total: f.reduce((a, b) => a + b, 0) };
  };
  const a = read();
  return {
    stop() {
      const b = read();
      return 100 * (1 - (b.idle - a.idle) / (b.total - a.total));
    },
  };
}
