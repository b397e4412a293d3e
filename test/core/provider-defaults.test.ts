import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CUDA_BATCH_SIZE, defaultBatchSize } from '../../src/core/classifier.js';
import { DEFAULT_BATCH_SIZE } from '../../src/core/index.js';

describe('per-provider defaults', () => {
  it('batches of 16 on the CPU, 64 on CUDA', () => {
    assert.equal(defaultBatchSize('cpu'), DEFAULT_BATCH_SIZE);
    assert.equal(DEFAULT_BATCH_SIZE, 16);
    assert.equal(defaultBatchSize('cuda'), DEFAULT_CUDA_BATCH_SIZE);
    assert.equal(DEFAULT_CUDA_BATCH_SIZE, 64);
  });
});
