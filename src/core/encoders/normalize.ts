/** L2-normalizes `dim` values starting at `offset` into a new array (zero vectors stay zero). */
export function l2Normalized(data: ArrayLike<number>, offset: number, dim: number): Float32Array {
  const out = new Float32Array(dim);
  let sum = 0;
  for (let i = 0; i < dim; i++) {
    const v = data[offset + i]!;
    out[i] = v;
    sum += v * v;
  }
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < dim; i++) out[i]! /= norm;
  return out;
}
