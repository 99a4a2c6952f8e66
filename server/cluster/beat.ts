/**
 * A step run every `everyMs` that never overlaps itself (a slow database makes beats late, not
 * piled up) and does not keep the process up: the node's listeners do that, and a start that
 * failed after its first beat must still exit.
 */
export class Beat {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly step: () => Promise<void>,
    private readonly everyMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.step().finally(() => (this.running = undefined));
    }, this.everyMs);
    this.timer.unref();
  }

  /** Stops beating, once the beat in hand (if any) has ended. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
