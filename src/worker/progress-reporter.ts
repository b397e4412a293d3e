/** Calls `report` at most once per `intervalMs` while work advances, and always for the final state. */
export class ThrottledProgress {
  private last = 0;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly report: (done: number, failed: number) => Promise<void>,
    private readonly intervalMs = 500,
  ) {}

  update(done: number, failed: number): void {
    const now = Date.now();
    if (now - this.last < this.intervalMs) return;
    this.last = now;
    // Progress is advisory: a lost update must never fail the job.
    this.pending = this.pending.then(() => this.report(done, failed)).catch(() => {});
  }

  async flush(done: number, failed: number): Promise<void> {
    await this.pending;
    await this.report(done, failed).catch(() => {});
  }
}
