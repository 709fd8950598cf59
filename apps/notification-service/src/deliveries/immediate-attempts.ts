/** A running place taken before the item to run is known (see `reserve`). */
export interface Reservation<T> {
  /** Runs `item` in the place taken, at once. */
  run(item: T): void;
  /** Gives the place back unused. */
  release(): void;
}

/**
 * Work started as soon as it is known, in the background of this process: at most `concurrency`
 * items at once, at most `maxWaiting` waiting (beyond, an item is dropped: it is still recorded, and
 * the scheduler's pass picks it up). The delivery queue pushes each delivery it records here, so the
 * Kafka consumer never waits for a send and a send never waits for a scheduler tick.
 */
export class ImmediateAttempts<T> {
  private readonly waiting: T[] = [];
  private readonly running = new Set<Promise<void>>();
  /** Places taken by `reserve` and not yet run or released: they count as running. */
  private reserved = 0;
  private stopped = false;
  private readonly concurrency: number;
  private readonly maxWaiting: number;
  private readonly onError: (error: unknown) => void;

  constructor(
    private readonly run: (item: T) => Promise<void>,
    options: { concurrency: number; maxWaiting?: number; onError: (error: unknown) => void },
  ) {
    this.concurrency = options.concurrency;
    this.maxWaiting = options.maxWaiting ?? 1_000;
    this.onError = options.onError;
  }

  /** False when the item was not taken (stopped, or too many waiting): the scheduler sends it. */
  push(item: T): boolean {
    if (this.stopped || this.waiting.length >= this.maxWaiting) return false;
    this.waiting.push(item);
    this.pump();
    return true;
  }

  /**
   * Takes a running place now, when one is free and nothing waits for it (undefined otherwise): the
   * caller prepares its item knowing it will start at once (the delivery queue records a delivery
   * already claimed, so its claim never ages in a waiting list). After `stop`, `run` drops the item.
   */
  reserve(): Reservation<T> | undefined {
    if (this.stopped || this.waiting.length > 0 || this.running.size + this.reserved >= this.concurrency) return undefined;
    this.reserved++;
    let used = false;
    const giveBack = () => {
      if (used) return false;
      used = true;
      this.reserved--;
      return true;
    };
    return {
      run: (item) => {
        if (giveBack() && !this.stopped) this.start(item);
      },
      release: () => {
        if (giveBack()) this.pump();
      },
    };
  }

  /** Takes nothing more, forgets what waits, and resolves once the items in progress are done. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.waiting.length = 0;
    await Promise.all(this.running);
  }

  private pump(): void {
    while (!this.stopped && this.running.size + this.reserved < this.concurrency && this.waiting.length > 0) this.start(this.waiting.shift()!);
  }

  private start(item: T): void {
    const running: Promise<void> = this.run(item)
      .catch((error: unknown) => this.onError(error))
      .finally(() => {
        this.running.delete(running);
        this.pump();
      });
    this.running.add(running);
  }
}
