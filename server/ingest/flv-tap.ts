/**
 * The in-process FLV tap on one broadcast: node-media-server hands over one small FLV tag per
 * audio or video frame; writing each to the segmenter's pipe costs a syscall and a trip through
 * the stream machinery. The tap batches tags and writes them every BATCH_MS as one buffer (or a
 * few), which at 2 Mbit/s cuts the writes about tenfold for a delay the segmenter never notices.
 */
import { PassThrough, type Readable } from 'node:stream';

const BATCH_MS = 100;

export class FlvTap {
  private readonly out = new PassThrough({ highWaterMark: 4 << 20 });
  private pending: Buffer[] = [];
  private timer?: NodeJS.Timeout;

  get stream(): Readable {
    return this.out;
  }

  push(tag: Buffer): void {
    this.pending.push(tag);
    this.timer ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  end(): void {
    this.flush();
    this.out.end();
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const run of adjacentRuns(this.pending)) this.out.write(run);
    this.pending = [];
  }
}

/**
 * The tags as few buffers as possible without copying: tags that lie one after another in the
 * same memory (cut from one slab, node-media-server.ts) are one view of it. Copying them into a
 * fresh buffer here was, after the library's own copies, the largest cost on the event loop.
 */
export function adjacentRuns(tags: Buffer[]): Buffer[] {
  const runs: Buffer[] = [];
  let first: Buffer | undefined;
  let end = 0;
  for (const tag of tags) {
    if (first && tag.buffer === first.buffer && tag.byteOffset === end) {
      end += tag.length;
      continue;
    }
    if (first) runs.push(Buffer.from(first.buffer, first.byteOffset, end - first.byteOffset));
    first = tag;
    end = tag.byteOffset + tag.length;
  }
  if (first) runs.push(Buffer.from(first.buffer, first.byteOffset, end - first.byteOffset));
  return runs;
}
