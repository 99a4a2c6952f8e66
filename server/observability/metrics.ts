/** Prometheus metrics (/metrics). One registry per server so tests can run several. */
import { Counter, Registry, Summary } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly sealLatency = new Summary({
    name: 'liuhen_seal_latency_seconds',
    help: 'time from a segment being complete in the spool to being durable in the store and the ledger',
    percentiles: [0.5, 0.9, 0.99],
    maxAgeSeconds: 600,
    ageBuckets: 5,
    registers: [this.registry],
  });
  readonly sealLag = new Summary({
    name: 'liuhen_seal_lag_seconds',
    help: 'time from the end of a segment (capture clock) to it being sealed: how far evidence trails the camera',
    percentiles: [0.5, 0.9, 0.99],
    maxAgeSeconds: 600,
    ageBuckets: 5,
    registers: [this.registry],
  });
  readonly segmentsSealed = new Counter({ name: 'liuhen_segments_sealed_total', help: 'segments sealed', registers: [this.registry] });
  readonly segmentBytes = new Counter({ name: 'liuhen_segment_bytes_total', help: 'bytes of sealed segments', registers: [this.registry] });
  readonly publishRefused = new Counter({ name: 'liuhen_publish_refused_total', help: 'refused RTMP publishers', registers: [this.registry] });
}
