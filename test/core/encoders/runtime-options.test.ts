import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, it } from 'node:test';
import {
  float32ToHalf,
  halfToFloat32,
  resolveAllowSpinning,
  resolveIntraOpThreads,
  validateProviders,
} from '../../../src/core/runtime/index.js';

describe('runtime options', () => {
  it('resolves intra-op threads: option > ZEROSHOT_INTRA_OP_THREADS > cores', () => {
    assert.equal(resolveIntraOpThreads(3, { ZEROSHOT_INTRA_OP_THREADS: '5' }), 3);
    assert.equal(resolveIntraOpThreads(undefined, { ZEROSHOT_INTRA_OP_THREADS: '5' }), 5);
    assert.equal(resolveIntraOpThreads(undefined, {}), os.availableParallelism());
    assert.throws(
      () => resolveIntraOpThreads(undefined, { ZEROSHOT_INTRA_OP_THREADS: 'many' }),
      /ZEROSHOT_INTRA_OP_THREADS/,
    );
    assert.throws(() => resolveIntraOpThreads(1.5, {}), /intraOpThreads/);
  });

  it('keeps ORT threads from spinning unless asked', () => {
    assert.equal(resolveAllowSpinning(undefined, {}), false);
    assert.equal(resolveAllowSpinning(undefined, { ZEROSHOT_ORT_SPIN: '1' }), true);
    assert.equal(resolveAllowSpinning(false, { ZEROSHOT_ORT_SPIN: '1' }), false);
    assert.throws(
      () => resolveAllowSpinning(undefined, { ZEROSHOT_ORT_SPIN: 'yes please' }),
      /ZEROSHOT_ORT_SPIN/,
    );
  });

  it('validates providers with the allowed values in the message', () => {
    assert.deepEqual(validateProviders(undefined), ['cuda', 'cpu']);
    assert.deepEqual(validateProviders(['cpu']), ['cpu']);
    assert.throws(() => validateProviders([]), /cuda, cpu/);
    assert.throws(() => validateProviders(['cpu', 'cpu']), /distinct/);
  });

  it('converts float16 both ways (rounding, subnormals, infinities)', () => {
    const values = [0, -0, 1, -2.5, 0.1, 65504, 1e-7, 6e-8, 70000, Number.NEGATIVE_INFINITY];
    const back = halfToFloat32(float32ToHalf(new Float32Array(values)));
    assert.equal(back[0], 0);
    assert.equal(back[2], 1);
    assert.equal(back[3], -2.5);
    assert.ok(Math.abs(back[4]! - 0.1) < 1e-4);
    assert.equal(back[5], 65504);
    assert.ok(Math.abs(back[6]! - 1e-7) < 6e-8);
    assert.equal(back[8], Number.POSITIVE_INFINITY);
    assert.equal(back[9], Number.NEGATIVE_INFINITY);
    assert.ok(Number.isNaN(halfToFloat32(float32ToHalf(new Float32Array([Number.NaN])))[0]));
    assert.equal(float32ToHalf(new Float32Array([1]))[0], 0x3c00);
  });
});
