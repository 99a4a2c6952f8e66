/** Prometheus metrics (/metrics). One registry per server so tests can run several. */
import { Counter, Registry, Summary } from 'prom-client';

/** p50/p90/p99 over the last 10 minutes. */
function recentQuantiles(registry: Registry, name: string, help: string): Summary {
  return new Summary({ name, help, percentiles: [0.5, 0.9, 0.99], maxAgeSeconds: 600, ageBuckets: 5, registers: [registry] });
}

export class Metrics {
  readonly registry = new Registry();
  readonly sealLatency = recentQuantiles(
    this.registry,
    'liuhen_seal_latency_seconds',
    'time from a segment being complete in the spool to being durable in the store and the ledger',
  );
  readonly sealLag = recentQuantiles(
    this.registry,
    'liuhen_seal_lag_seconds',
    'time from the end of a segment (capture clock) to it being sealed: how far evidence trails the camera',
  );
  readonly segmentsSealed = new Counter({ name: 'liuhen_segments_sealed_total', help: 'segments sealed', registers: [this.registry] });
  readonly segmentBytes = new Counter({ name: 'liuhen_segment_bytes_total', help: 'bytes of sealed segments', registers: [this.registry] });
  readonly publishRefused = new Counter({ name: 'liuhen_publish_refused_total', help: 'refused RTMP publishers', registers: [this.registry] });
}
