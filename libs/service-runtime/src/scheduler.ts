import type { Logger } from '@aap/observability';

/** Periodic jobs of one service: each runs at a fixed interval, never overlapping itself. */
export class Scheduler {
  private readonly jobs: Array<{ name: string; run: (now: Date) => Promise<void> }> = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  add(name: string, run: (now: Date) => Promise<void>): void {
    this.jobs.push({ name, run });
  }

  start(): void {
    if (this.jobs.length === 0 || this.timer) return;
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.tick().finally(() => (this.running = undefined));
    }, this.intervalMs);
  }

  /** Waits for the tick in progress, so a job is never cut in the middle by a graceful stop. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async tick(): Promise<void> {
    for (const job of this.jobs) {
      try {
        await job.run(this.clock());
      } catch (error) {
        this.logger.error({ err: error, job: job.name }, 'scheduled job failed; it runs again at the next tick');
      }
    }
  }
}
