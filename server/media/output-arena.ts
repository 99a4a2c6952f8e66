/**
 * Memory the in-process cutter writes its TS packets into, used again once a batch is written.
 * A fresh buffer per frame (and a copy of each frame to join its pieces) made V8 run a full
 * mark-compact several times a second at N = 30 streams ("external memory pressure"): about
 * half of the ingest process's CPU went to the collector and its helper threads (issue 18).
 *
 * The owner takes views while it cuts and calls `recycle()` only once everything it took has
 * been written: every view is then free to be overwritten.
 */
const SLAB_BYTES = 64 << 10;

export class OutputArena {
  private readonly free: Buffer[] = [];
  private readonly used: Buffer[] = [];
  private slab?: Buffer;
  private at = 0;

  /** `n` bytes of memory, valid until the next `recycle()` */
  take(n: number): Buffer {
    // a frame larger than a slab (a big keyframe) gets memory of its own, left to the collector
    if (n > SLAB_BYTES) return Buffer.allocUnsafeSlow(n);
    if (!this.slab || this.at + n > this.slab.length) {
      if (this.slab) this.used.push(this.slab);
      this.slab = this.free.pop() ?? Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.at = 0;
    }
    const view = this.slab.subarray(this.at, this.at + n);
    this.at += n;
    return view;
  }

  /** Everything taken is written: the memory is handed out again. */
  recycle(): void {
    this.free.push(...this.used);
    this.used.length = 0;
    this.at = 0;
  }
}
