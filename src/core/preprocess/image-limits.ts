import { UsageError } from '../errors/index.js';

/** Per-image safety limits, checked before any pixel is decoded. */
export interface ImageLimits {
  /** Largest accepted input, in bytes (default 50 MB). */
  maxBytes: number;
  /** Largest accepted width × height, read from the header (default 100 megapixels). */
  maxPixels: number;
}

export const DEFAULT_IMAGE_LIMITS: Readonly<ImageLimits> = Object.freeze({
  maxBytes: 50 * 1024 * 1024,
  maxPixels: 100_000_000,
});

/** Fills defaults and rejects non-positive or non-integer limits with a message naming the option. */
export function resolveImageLimits(limits: Partial<ImageLimits> = {}): ImageLimits {
  const out = { ...DEFAULT_IMAGE_LIMITS, ...dropUndefined(limits) };
  for (const key of ['maxBytes', 'maxPixels'] as const) {
    const v = out[key];
    if (!Number.isSafeInteger(v) || v <= 0) {
      throw new UsageError('INVALID_OPTION', `limits.${key} must be a positive integer, got ${String(v)}`);
    }
  }
  return out;
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
