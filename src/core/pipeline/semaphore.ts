/** FIFO counting semaphore: bounds work in flight without buffering it (callers wait, in order). */
export class Semaphore {
  private available: number;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be an integer ≥ 1');
    this.available = capacity;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  get inUse(): number {
    return this.capacity - this.available;
  }

  acquire(): Promise<void> {
    if (this.available > 0 && this.waiters.length === 0) {
      this.available--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.available++;
  }

  async use<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}
