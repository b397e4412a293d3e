/**
 * Keeps the `limit` best items seen so far (a binary heap whose root is the worst kept item), so a report
 * over a million lines holds a few items per label instead of every line.
 */
export class TopN<T> {
  private readonly heap: T[] = [];

  /** `better(a, b)` is true when `a` ranks before `b`. */
  constructor(
    private readonly limit: number,
    private readonly better: (a: T, b: T) => boolean,
  ) {}

  get size(): number {
    return this.heap.length;
  }

  offer(item: T): void {
    if (this.limit <= 0) return;
    if (this.heap.length < this.limit) {
      this.heap.push(item);
      this.up(this.heap.length - 1);
    } else if (this.better(item, this.heap[0] as T)) {
      this.heap[0] = item;
      this.down(0);
    }
  }

  /** The kept items, best first. */
  sorted(): T[] {
    return [...this.heap].sort((a, b) => (this.better(a, b) ? -1 : this.better(b, a) ? 1 : 0));
  }

  // The root is the item every other kept item is better than.
  private worse(i: number, j: number): boolean {
    return this.better(this.heap[j] as T, this.heap[i] as T);
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.worse(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    const n = this.heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < n && this.worse(l, worst)) worst = l;
      if (r < n && this.worse(r, worst)) worst = r;
      if (worst === i) return;
      this.swap(i, worst);
      i = worst;
    }
  }

  private swap(i: number, j: number): void {
    const t = this.heap[i] as T;
    this.heap[i] = this.heap[j] as T;
    this.heap[j] = t;
  }
}
