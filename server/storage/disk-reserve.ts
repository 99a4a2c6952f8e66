/**
 * Watches the free space of every volume liuhen writes before sealing (data dir, spool, uploads).
 * Below the reserve, new publishes and uploads are refused so that the recordings already open
 * keep the space to seal into: a camera that is recording is never the one that loses.
 */
import fs from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.ts';

export interface Volume {
  /** a name for metrics and messages: data, spool, uploads */
  name: string;
  dir: string;
}

export interface VolumeState {
  name: string;
  dir: string;
  freeBytes: number | null;
  low: boolean;
  /** why free space could not be read */
  error?: string;
}

const CHECK_MS = 1000;

/** Free bytes of the volume holding `dir`: what an unprivileged writer can still use (ffmpeg and the store write as us). */
export async function freeBytes(dir: string): Promise<number> {
  const st = await fs.statfs(dir);
  return Number(st.bavail) * Number(st.bsize);
}

export class DiskReserve {
  private states: VolumeState[];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly volumes: Volume[],
    private readonly reserveBytes: number,
    private readonly log: Logger,
    private readonly metrics?: Metrics,
  ) {
    this.states = volumes.map((v) => ({ ...v, freeBytes: null, low: false }));
  }

  async start(): Promise<void> {
    await Promise.all(this.volumes.map((v) => fs.mkdir(v.dir, { recursive: true }).catch(() => undefined)));
    await this.check();
    this.timer = setInterval(() => void this.check(), CHECK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Reads every volume now; never throws (a volume it cannot read counts as low). */
  async check(): Promise<VolumeState[]> {
    const next = await Promise.all(this.volumes.map((v) => this.read(v)));
    for (const [i, s] of next.entries()) {
      const was = this.states[i];
      if (s.low && !was?.low)
        this.log.error({ volume: s.name, dir: s.dir, freeBytes: s.freeBytes, reserveBytes: this.reserveBytes, err: s.error }, 'disk below reserve: new publishes and uploads are refused');
      if (!s.low && was?.low) this.log.warn({ volume: s.name, dir: s.dir, freeBytes: s.freeBytes }, 'disk above reserve again');
      if (s.freeBytes !== null) this.metrics?.diskFree.set({ volume: s.name }, s.freeBytes);
      this.metrics?.diskLow.set({ volume: s.name }, s.low ? 1 : 0);
    }
    this.states = next;
    return next;
  }

  /** undefined when new work may start; otherwise the reason to give the device or client. */
  refusal(): string | undefined {
    const low = this.states.find((s) => s.low);
    return low ? `disk_reserve: volume ${low.name} has ${low.freeBytes ?? 'unknown'} bytes free, below the reserve of ${this.reserveBytes}` : undefined;
  }

  get low(): boolean {
    return this.states.some((s) => s.low);
  }

  snapshot(): VolumeState[] {
    return this.states.map((s) => ({ ...s }));
  }

  private async read(v: Volume): Promise<VolumeState> {
    try {
      const free = await freeBytes(v.dir);
      return { ...v, freeBytes: free, low: free < this.reserveBytes };
    } catch (e) {
      return { ...v, freeBytes: null, low: true, error: (e as Error).message };
    }
  }
}
