/**
 * How late the event loop runs: everything liuhen does (RTMP parsing, sealing, HTTP) shares one
 * thread, so a synchronous stretch anywhere shows here as delay everywhere. Published as
 * p50/p99/max over the last 5 to 10 minutes, like the seal summaries beside it.
 */
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { Metrics } from './metrics.ts';

/** the sampling timer's period; every sample includes it, so it is taken off every figure */
const RESOLUTION_MS = 10;
const WINDOW_MS = 600_000;

/**
 * Samples the loop from now on into `metrics.eventLoopDelay`: the delay beyond the sampling
 * period, in ms. Node's loop histogram cannot be merged or aged, so two overlap: a new one starts
 * every half window, and the one read has run between half a window and a whole one.
 */
export function watchEventLoopDelay(metrics: Metrics): { stop(): void } {
  const started = () => {
    const h = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    h.enable();
    return h;
  };
  let read: IntervalHistogram = started();
  let next: IntervalHistogram | undefined;
  const timer = setInterval(() => {
    if (next) {
      read.disable();
      read = next;
    }
    next = started();
  }, WINDOW_MS / 2);
  timer.unref();
  metrics.readLoopDelayWith(() => {
    const ms = (ns: number) => (read.count === 0 ? 0 : Math.max(0, ns / 1e6 - RESOLUTION_MS));
    return { '0.5': ms(read.percentile(50)), '0.99': ms(read.percentile(99)), '1': ms(read.max) };
  });
  return {
    stop: () => {
      clearInterval(timer);
      read.disable();
      next?.disable();
    },
  };
}
