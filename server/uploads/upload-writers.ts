/**
 * Who is working on an upload: one write per upload at a time. A request for an upload stops the
 * write in flight (its client has given up on it and is resuming) and waits for what it wrote to
 * be counted, so a HEAD after a broken PATCH reports every byte that arrived. The expiry sweep
 * holds an upload while removing it, and leaves alone one that is being written.
 */
interface Writer {
  stop(): void;
  done: Promise<void>;
}

export class UploadWriters {
  private readonly writers = new Map<string, Writer>();

  busy(id: string): boolean {
    return this.writers.has(id);
  }

  /** Stops the upload's write in flight, waits for it to settle, and holds the upload until released. */
  async takeOver(id: string, stop: () => void): Promise<() => void> {
    for (let w = this.writers.get(id); w; w = this.writers.get(id)) {
      w.stop();
      await w.done;
    }
    return this.hold(id, stop);
  }

  /** Holds an upload no one holds (busy() said so) until released; `stop` is how a newer request asks it to give up. */
  hold(id: string, stop: () => void): () => void {
    let release!: () => void;
    const mine: Writer = { stop, done: new Promise<void>((resolve) => (release = resolve)) };
    this.writers.set(id, mine);
    return () => {
      if (this.writers.get(id) === mine) this.writers.delete(id);
      release();
    };
  }
}
