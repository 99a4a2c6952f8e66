import v8 from 'node:v8';

/**
 * How much V8 lets the old generation grow past what survived its last full collection before it
 * starts the next one: 100 % (twice the live heap) instead of V8's own 10-60 %.
 *
 * A server process holds every live stream's recent media (node-media-server's GOP cache, the
 * cutter's interleaving queue, segments on their way to the store) for a second or two: long
 * enough for the young generation to promote it, so the old generation fills with media that dies
 * soon after. With V8's factor the ~36 MiB heap of thirty streams was marked and compacted four to
 * five times a second, and the collector (with its helper threads) used about half of the
 * process's CPU. With this one, `npm run bench:ingest -- --n 30 --workers off`: ~17 full
 * collections instead of ~72 in a run, 27.7 % of a core instead of 37.2 %, PSS 239 MiB instead of
 * 220 MiB (README, Performance). 200 % saved a little more CPU but passed the 250 MiB target.
 *
 * The factor is read at each collection, so setting it once the process runs takes effect; the
 * sizes a command line could set (`--initial-heap-size`, `--max-semi-space-size`) are fixed at
 * start and would have to be on every way liuhen is started.
 */
const HEAP_GROWING_PERCENT = 100;

export function tuneHeapForStreaming(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
