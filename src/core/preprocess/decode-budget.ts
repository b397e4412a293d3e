import { ImageError, UsageError } from '../errors/index.js';

/** Default decode memory budget: 1 GiB holds the largest image the pixel limit lets through (100 MP × 4 × 2). */
export const DEFAULT_DECODE_MEMORY_BYTES = 1024 * 1024 * 1024;

/** Bytes of one sample for each libvips band format sharp reports as `depth`. */
const SAMPLE_BYTES: Record<string, number> = {
  uchar: 1,
  char: 1,
  ushort: 2,
  short: 2,
  uint: 4,
  int: 4,
  float: 4,
  complex: 8,
  double: 8,
  dpcomplex: 16,
};

/** What decoding an image costs at most: its full pixel buffer as the header declares it. */
export function decodeCost(width: number, height: number, channels = 3, depth = 'uchar'): number {
  return width * height * Math.max(1, channels) * (SAMPLE_BYTES[depth] ?? 8);
}

/**
 * A byte budget shared by every decode of one preprocessor (so of one batcher, one worker): a decode
 * reserves its header's pixel-buffer size before any pixel is decoded and gives it back when done, so the
 * decoders' peak memory stays under the budget whatever the core count or decode concurrency. Waiters are
 * served in order (a large image is not starved by small ones). An image larger than the whole budget is
 * refused at once with an ImageError.
 */
export class DecodeBudget {
  private available: number;
  private readonly waiters: { bytes: number; resolve: () => void }[] = [];
  /** Highest number of bytes reserved at once (accounting, for tests and metrics). */
  peak = 0;

  constructor(readonly capacity: number = DEFAULT_DECODE_MEMORY_BYTES) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new UsageError(
        'INVALID_OPTION',
        `decodeMemoryBytes must be a positive integer, got ${String(capacity)}`,
      );
    }
    this.available = capacity;
  }

  get inUse(): number {
    return this.capacity - this.available;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** Runs `fn` holding `bytes` of the budget. */
  async use<T>(bytes: number, fn: () => Promise<T>): Promise<T> {
    await this.acquire(bytes);
    try {
      return await fn();
    } finally {
      this.release(bytes);
    }
  }

  private acquire(bytes: number): Promise<void> {
    if (bytes > this.capacity) {
      return Promise.reject(
        new ImageError(
          'IMAGE_TOO_MANY_PIXELS',
          `decoding the image needs ${bytes} bytes, more than the whole decode memory budget of ${this.capacity} (decodeMemoryBytes / --decode-memory-mb)`,
        ),
      );
    }
    if (this.waiters.length === 0 && this.available >= bytes) {
      this.take(bytes);
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push({ bytes, resolve }));
  }

  private take(bytes: number): void {
    this.available -= bytes;
    this.peak = Math.max(this.peak, this.inUse);
  }

  private release(bytes: number): void {
    this.available += bytes;
    while (this.waiters.length > 0) {
      const next = this.waiters[0] as { bytes: number; resolve: () => void };
      if (next.bytes > this.available) break;
      this.waiters.shift();
      this.take(next.bytes);
      next.resolve();
    }
  }
}
