import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { pilBicubicResize } from '../../../src/core/preprocess/index.js';

/** A deterministic RGB pattern with edges and texture (the same formula produced the Pillow hashes below). */
function pattern(w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  let i = 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++) {
        const check = (Math.floor(x / 3) + Math.floor(y / 2)) % 2 ? 40 : 0;
        out[i++] = (x * 7 + y * 13 + c * 50 + ((x * y) % 31) * 9 + check) & 255;
      }
  return out;
}

/**
 * SHA-256 of Pillow 9.4.0's `Image.frombytes('RGB', (w, h), pattern).resize((ow, oh), BICUBIC).tobytes()`
 * (the Pillow transformers' processors run), computed once with Pillow.
 */
const PILLOW: [number, number, number, number, string][] = [
  [37, 23, 61, 40, 'c707e6afea3c62131695351f5d2511feb8148dc932b4eab1d059db276dcd1488'],
  [50, 30, 20, 45, '1f271ce8fade69cda1cd143614554421b88c7823f4511c3cfc80e171dca4e4f0'],
  [200, 100, 224, 112, '574db5691a90daff80b5a62cb6e3786f01fee3eb6cf8792aa6116b0943ee491d'],
  [168, 168, 224, 224, '120929e5166cbbbf991344244856e9919aba3126256d397c7d579f80775eb1b8'],
  [9, 5, 224, 224, 'a0c2579af1f51267e694dd3f85944d96b768796241293b56fc9d79b30b61468e'],
];

describe("pilBicubicResize is Pillow's BICUBIC, byte for byte", () => {
  for (const [w, h, ow, oh, sha] of PILLOW) {
    it(`${w}×${h} → ${ow}×${oh}`, () => {
      const out = pilBicubicResize(pattern(w, h), w, h, 3, ow, oh);
      assert.equal(out.length, ow * oh * 3);
      assert.equal(createHash('sha256').update(out).digest('hex'), sha);
    });
  }

  it('same size is a copy', () => {
    const src = pattern(5, 4);
    const out = pilBicubicResize(src, 5, 4, 3, 5, 4);
    assert.deepEqual(out, src);
    assert.notEqual(out, src);
  });
});
