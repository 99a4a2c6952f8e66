/** Prometheus metrics (/metrics). One registry per server so tests can run several. */
import { Counter, Gauge, Registry, Summary } from 'prom-client';

/** p50/p90/p99 over the last 10 minutes. */
function recentQuantiles(registry: Registry, name: string, help: string): Summary {
  return new Summary({ name, help, percentiles: [0.5, 0.9, 0.99], maxAgeSeconds: 600, ageBuckets: 5, registers: [registry] });
}

export class Metrics {
  readonly registry = new Registry();
  readonly sealLatency = recentQuantiles(this.registry, 'liuhen_seal_latency_seconds', 'time from a segment being complete in the spool to being durable in the store and the ledger');
  readonly sealLag = recentQuantiles(this.registry, 'liuhen_seal_lag_seconds', 'time from the end of a segment (capture clock) to it being sealed: how far evidence trails the camera');
  readonly segmentsSealed = new Counter({ name: 'liuhen_segments_sealed_total', help: 'segments sealed', registers: [this.registry] });
  readonly segmentBytes = new Counter({ name: 'liuhen_segment_bytes_total', help: 'bytes of sealed segments', registers: [this.registry] });
  readonly publishRefused = new Counter({ name: 'liuhen_publish_refused_total', help: 'refused RTMP publishers', registers: [this.registry] });
  readonly openFds = new Gauge({ name: 'liuhen_open_fds', help: 'file descriptors this process holds', registers: [this.registry] });
  readonly maxFds = new Gauge({ name: 'liuhen_max_fds', help: "this process's descriptor limit (raised to the hard limit at start)", registers: [this.registry] });
  readonly rtmpConnections = new Gauge({ name: 'liuhen_rtmp_connections', help: 'open RTMP connections', registers: [this.registry] });
  readonly rtmpClosed = new Counter({
    name: 'liuhen_rtmp_closed_total',
    help: 'RTMP connections closed by liuhen, by reason (handshake_timeout, idle, per_address_cap, total_cap, refused)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly diskFree = new Gauge({ name: 'liuhen_disk_free_bytes', help: 'free bytes of each volume liuhen writes', labelNames: ['volume'] as const, registers: [this.registry] });
  readonly diskLow = new Gauge({
    name: 'liuhen_disk_reserve_low',
    help: '1 while a volume is below the reserve: new publishes and uploads are refused',
    labelNames: ['volume'] as const,
    registers: [this.registry],
  });
  readonly sealBacklog = new Gauge({ name: 'liuhen_seal_backlog_segments', help: 'segments finished by the segmenter and waiting to be sealed', registers: [this.registry] });
  readonly sealRetries = new Counter({
    name: 'liuhen_seal_retries_total',
    help: 'seal attempts that failed and will be retried (store, database or disk errors)',
    labelNames: ['cause'] as const,
    registers: [this.registry],
  });
  readonly escapedErrors = new Counter({ name: 'liuhen_escaped_errors_total', help: 'errors no door caught (logged; the process carried on): each is a bug', registers: [this.registry] });
  /** what the loop-delay watch reads at each scrape (event-loop-delay.ts) */
  private loopDelay: () => Record<string, number> = () => ({});
  readonly eventLoopDelay = new Gauge({
    name: 'liuhen_event_loop_delay_seconds',
    help: 'how late the event loop ran (p50, p99, max as quantile 1) over the last 10 minutes: any synchronous stretch delays RTMP, sealing and HTTP alike',
    labelNames: ['quantile'] as const,
    registers: [this.registry],
    collect: () => {
      for (const [quantile, ms] of Object.entries(this.loopDelay())) this.eventLoopDelay.set({ quantile }, ms / 1000);
    },
  });
  readonly refusalsLimited = new Counter({ name: 'liuhen_refusals_limited_total', help: 'unauthenticated requests answered 429', registers: [this.registry] });

  readLoopDelayWith(read: () => Record<string, number>): void {
    this.loopDelay = read;
  }
}
