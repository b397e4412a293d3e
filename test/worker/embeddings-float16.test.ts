import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  float16BitsToFloat32,
  float32ToFloat16Bits,
  readFloat16LE,
  writeFloat16LE,
} from '../../src/core/runtime/float16.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** The float32 neighbour of `x` towards +∞ (`dir` 1) or −∞ (`dir` −1), for positive finite x. */
function nextFloat32(x: number, dir: 1 | -1): number {
  f32[0] = x;
  u32[0] = (u32[0] as number) + dir;
  return f32[0] as number;
}

describe('float16 codec', () => {
  test('known bit patterns', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [1 / 3, 0x3555],
      [0.1, 0x2e66],
      [65504, 0x7bff], // largest finite
      [65519, 0x7bff], // just below the midpoint to Infinity
      [65520, 0x7c00], // the midpoint rounds to even: Infinity
      [1e6, 0x7c00],
      [-1e6, 0xfc00],
      [Number.POSITIVE_INFINITY, 0x7c00],
      [Number.NEGATIVE_INFINITY, 0xfc00],
      [2 ** -14, 0x0400], // smallest normal
      [1023 * 2 ** -24, 0x03ff], // largest subnormal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // midpoint between 0 and the smallest subnormal: ties to even (0)
      [3 * 2 ** -26, 0x0001], // above that midpoint
      [-(2 ** -26), 0x8000], // underflow keeps the sign
      [1e-10, 0x0000],
      [1 + 2 ** -11, 0x3c00], // tie between 0x3c00 and 0x3c01: even
      [1 + 3 * 2 ** -11, 0x3c02], // tie between 0x3c01 and 0x3c02: even
      [1 + 2 ** -11 + 2 ** -20, 0x3c01], // just above a tie
      [2047 * 2 ** -25, 0x0400], // rounds up out of the subnormals into the smallest normal
    ];
    for (const [value, bits] of cases) {
      assert.equal(float32ToFloat16Bits(value), bits, `${value} → 0x${bits.toString(16)}`);
    }
  });

  test('NaN stays NaN both ways', () => {
    const h = float32ToFloat16Bits(Number.NaN);
    assert.equal(h & 0x7c00, 0x7c00);
    assert.notEqual(h & 0x3ff, 0);
    assert.ok(Number.isNaN(float16BitsToFloat32(0x7e00)));
    assert.ok(Number.isNaN(float16BitsToFloat32(0xfc01)));
  });

  test('every half value decodes and re-encodes to the same bits (exhaustive)', () => {
    for (let h = 0; h < 0x10000; h++) {
      const v = float16BitsToFloat32(h);
      if (Number.isNaN(v)) continue;
      assert.equal(float32ToFloat16Bits(v), h, `0x${h.toString(16)} → ${v}`);
    }
    assert.equal(float16BitsToFloat32(0x3c00), 1);
    assert.equal(float16BitsToFloat32(0x0001), 2 ** -24);
    assert.equal(float16BitsToFloat32(0x7bff), 65504);
    assert.equal(float16BitsToFloat32(0xfc00), Number.NEGATIVE_INFINITY);
  });

  test('every midpoint between neighbours rounds to even, its float32 neighbours to the nearer (exhaustive)', () => {
    for (let h = 0; h < 0x7bff; h++) {
      const lo = float16BitsToFloat32(h);
      const hi = float16BitsToFloat32(h + 1);
      const mid = (lo + hi) / 2; // exact in float32: 12 significant bits
      const even = h % 2 === 0 ? h : h + 1;
      assert.equal(float32ToFloat16Bits(mid), even, `midpoint after 0x${h.toString(16)}`);
      assert.equal(float32ToFloat16Bits(-mid), even | 0x8000, `negative midpoint after 0x${h.toString(16)}`);
      if (mid > 0) {
        assert.equal(
          float32ToFloat16Bits(nextFloat32(mid, -1)),
          h,
          `below midpoint after 0x${h.toString(16)}`,
        );
        assert.equal(
          float32ToFloat16Bits(nextFloat32(mid, 1)),
          h + 1,
          `above midpoint after 0x${h.toString(16)}`,
        );
      }
    }
  });

  test('error bounds: relative ≤ 2^-11 for normals, absolute ≤ 2^-25 for subnormals', () => {
    let seed = 42;
    const rand = () => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    for (let i = 0; i < 200_000; i++) {
      const x = Math.fround((rand() * 2 - 1) * 2 ** (Math.floor(rand() * 44) - 28));
      const y = float16BitsToFloat32(float32ToFloat16Bits(x));
      const ax = Math.abs(x);
      if (ax >= 2 ** -14) assert.ok(Math.abs(y - x) <= ax * 2 ** -11, `${x} → ${y}`);
      else assert.ok(Math.abs(y - x) <= 2 ** -25, `${x} → ${y}`);
    }
  });

  test('buffer helpers are little-endian and round-trip unit vectors within tolerance', () => {
    const v = new Float32Array([1, -2, 0.5, 65504]);
    const buf = Buffer.alloc(2 + v.length * 2);
    assert.equal(writeFloat16LE(v, buf, 2), 2 + v.length * 2);
    assert.deepEqual([...buf.subarray(2, 6)], [0x00, 0x3c, 0x00, 0xc0]);
    assert.deepEqual([...readFloat16LE(buf, 2, v.length)], [1, -2, 0.5, 65504]);

    const dim = 512;
    const e = new Float32Array(dim);
    let n = 0;
    for (let i = 0; i < dim; i++) {
      e[i] = Math.sin(i * 12.9898) * 43758.5453 - Math.floor(Math.sin(i * 12.9898) * 43758.5453) - 0.5;
      n += (e[i] as number) ** 2;
    }
    for (let i = 0; i < dim; i++) e[i] = (e[i] as number) / Math.sqrt(n);
    const b = Buffer.alloc(dim * 2);
    writeFloat16LE(e, b, 0);
    const back = readFloat16LE(b, 0, dim);
    let dot = 0;
    for (let i = 0; i < dim; i++) {
      assert.ok(Math.abs((back[i] as number) - (e[i] as number)) <= 2 ** -12);
      dot += (back[i] as number) * (e[i] as number);
    }
    assert.ok(Math.abs(dot - 1) < 1e-4, `cosine after round trip ${dot}`);
  });
});
