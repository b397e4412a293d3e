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
      const out = pilBicubicResize(pattern(w, h), w, h, ow, oh);
      assert.equal(out.length, ow * oh * 3);
      assert.equal(createHash('sha256').update(out).digest('hex'), sha);
    });
  }

  it('a window is the same bytes as resizing everything and cropping after', () => {
    const cases: [number, number, number, number, number, number, number, number][] = [
      [512, 128, 896, 224, 336, 0, 224, 224], // wide strip enlarged, centre crop
      [128, 300, 224, 525, 0, 150, 224, 224], // tall, enlarged
      [200, 100, 224, 112, 5, 7, 50, 60], // arbitrary window
      [37, 23, 37, 40, 3, 1, 20, 30], // vertical only
      [37, 23, 61, 23, 2, 4, 30, 10], // horizontal only
      [5, 4, 5, 4, 1, 1, 3, 2], // no resize: a copy of the window
    ];
    for (const [w, h, ow, oh, left, top, cw, ch] of cases) {
      const src = pattern(w, h);
      const full = pilBicubicResize(src, w, h, ow, oh);
      const expected = new Uint8Array(cw * ch * 3);
      for (let y = 0; y < ch; y++) {
        const from = ((top + y) * ow + left) * 3;
        expected.set(full.subarray(from, from + cw * 3), y * cw * 3);
      }
      const window = { left, top, width: cw, height: ch };
      assert.deepEqual(pilBicubicResize(src, w, h, ow, oh, window), expected, `${w}×${h} → ${ow}×${oh}`);
    }
    assert.throws(
      () => pilBicubicResize(pattern(4, 4), 4, 4, 8, 8, { left: 4, top: 0, width: 5, height: 8 }),
      /not inside 8×8/,
    );
  });

  it('same size is a copy', () => {
    const src = pattern(5, 4);
    const out = pilBicubicResize(src, 5, 4, 5, 4);
    assert.deepEqual(out, src);
    assert.notEqual(out, src);
  });
});
