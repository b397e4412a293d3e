import type { PreprocessConfig } from '../types.js';

/**
 * Per-channel lookup tables byte → `(byte * rescale - mean) / std`, so normalizing a pixel is one table
 * read instead of a multiply, subtract and divide.
 */
export type NormalizeTables = [Float32Array, Float32Array, Float32Array];

export function buildNormalizeTables(config: PreprocessConfig): NormalizeTables {
  const make = (c: 0 | 1 | 2) => {
    const t = new Float32Array(256);
    for (let v = 0; v < 256; v++) t[v] = (v * config.rescaleFactor - config.mean[c]) / config.std[c];
    return t;
  };
  return [make(0), make(1), make(2)];
}

/** Interleaved RGB bytes (HWC) → planar normalized floats (CHW) written into `target` at `offset`. */
export function writeChw(
  rgb: Uint8Array,
  pixels: number,
  tables: NormalizeTables,
  target: Float32Array,
  offset: number,
): void {
  const [r, g, b] = tables;
  const g0 = offset + pixels;
  const b0 = g0 + pixels;
  for (let i = 0, j = 0; i < pixels; i++, j += 3) {
    target[offset + i] = r[rgb[j] as number] as number;
    target[g0 + i] = g[rgb[j + 1] as number] as number;
    target[b0 + i] = b[rgb[j + 2] as number] as number;
  }
}
