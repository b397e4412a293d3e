/**
 * IEEE 754 binary16 ("half") conversion. Node 20 has no Float16Array: ORT takes float16 tensors as the raw
 * bits in a Uint16Array, and stored image embeddings are packed as little-endian halves.
 * float32 → float16 rounds to nearest, ties to even (what hardware and numpy do);
 * float16 → float32 is exact and goes through a 64 Ki-entry table.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The binary16 bit pattern nearest to `value` (ties to even). NaN stays NaN, overflow becomes ±Infinity. */
export function float32ToFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;

  if (exp === 0xff) return sign | (mant === 0 ? 0x7c00 : 0x7e00); // ±Infinity, quiet NaN
  const e = exp - 112; // re-biased exponent (127 → 15)
  if (e >= 0x1f) return sign | 0x7c00; // too large: ±Infinity

  if (e >= 1) {
    // Normal half: keep the top 10 mantissa bits, round on the 13 dropped ones.
    let half = sign | (e << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half += 1; // may carry into exp / Infinity
    return half;
  }

  // Subnormal half (or zero): value = m × 2^-24 with m = full significand >> shift.
  const shift = 126 - exp; // ≥ 14
  if (shift > 24) return sign; // below half the smallest subnormal: ±0
  const full = mant | 0x800000;
  let m = full >>> shift;
  const rest = full & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  if (rest > halfway || (rest === halfway && (m & 1) === 1)) m += 1; // m = 1024 is the smallest normal
  return sign | m;
}

let table: Float32Array | undefined;

function decodeTable(): Float32Array {
  if (table) return table;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) t[h] = sign * mant * 2 ** -24;
    else if (exp === 0x1f) t[h] = mant === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
    else t[h] = sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  table = t;
  return t;
}

/** The float32 value of a binary16 bit pattern (exact). */
export function float16BitsToFloat32(bits: number): number {
  return decodeTable()[bits & 0xffff] as number;
}

/** Writes `values` as little-endian binary16 into `target` at byte `offset`. Returns the end offset. */
export function writeFloat16LE(values: Float32Array, target: Buffer, offset: number): number {
  let o = offset;
  for (let i = 0; i < values.length; i++) {
    target.writeUInt16LE(float32ToFloat16Bits(values[i] as number), o);
    o += 2;
  }
  return o;
}

/** Reads `count` little-endian binary16 values from `source` at byte `offset` into a new Float32Array. */
export function readFloat16LE(source: Buffer, offset: number, count: number): Float32Array {
  const t = decodeTable();
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = t[source.readUInt16LE(offset + 2 * i)] as number;
  return out;
}

/** float32 values → binary16 bit patterns (the data of an ORT 'float16' tensor). */
export function float32ToHalf(src: Float32Array): Uint16Array {
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = float32ToFloat16Bits(src[i] as number);
  return out;
}

/** binary16 bit patterns → float32 values (exact). */
export function halfToFloat32(src: Uint16Array): Float32Array {
  const t = decodeTable();
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = t[src[i] as number] as number;
  return out;
}
