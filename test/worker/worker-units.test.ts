import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ImageError } from '../../src/core/errors/index.js';
import { Semaphore } from '../../src/core/pipeline/semaphore.js';
import { partName } from '../../src/runs/index.js';
import { StorageError, type StorageErrorCode } from '../../src/storage/index.js';
import { judgeImageError } from '../../src/worker/error-policy.js';
import { chunkIndexFromKey } from '../../src/worker/finalize-run.js';
import { buildRunSummary } from '../../src/worker/run-summary.js';

describe('worker building blocks', () => {
  it('Semaphore bounds work in flight and hands slots over in FIFO order', async () => {
    const sem = new Semaphore(2);
    const order: number[] = [];
    let running = 0;
    let peak = 0;
    await Promise.all(
      [0, 1, 2, 3, 4, 5].map((i) =>
        sem.use(async () => {
          order.push(i);
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 5));
          running--;
        }),
      ),
    );
    assert.equal(peak, 2);
    assert.deepEqual(order, [0, 1, 2, 3, 4, 5]);
    assert.equal(sem.inUse, 0);
  });

  it('judges per-image errors: every read failure is that image’s line with its own code; unknown → retry the job', () => {
    assert.deepEqual(judgeImageError(new ImageError('IMAGE_CORRUPT', 'bad')), {
      kind: 'image',
      info: { code: 'IMAGE_CORRUPT', message: 'bad' },
    });
    assert.equal(
      (judgeImageError(new StorageError('STORAGE_NOT_FOUND', 'gone')) as { info: { code: string } }).info
        .code,
      'IMAGE_NOT_FOUND',
    );
    assert.equal(
      (judgeImageError(new StorageError('STORAGE_TOO_LARGE', 'big')) as { info: { code: string } }).info.code,
      'IMAGE_TOO_LARGE',
    );
    assert.deepEqual(judgeImageError(new StorageError('STORAGE_TRANSIENT', '503')), {
      kind: 'image',
      info: { code: 'IMAGE_FETCH_FAILED', message: '503' },
      transient: true,
    });
    assert.equal(judgeImageError(new Error('socket hang up')).kind, 'retry');
    const codeOf = (code: StorageErrorCode) =>
      (judgeImageError(new StorageError(code, 'x')) as { info: { code: string } }).info.code;
    assert.equal(codeOf('STORAGE_ACCESS_DENIED'), 'IMAGE_ACCESS_DENIED');
    assert.equal(codeOf('STORAGE_BUCKET_NOT_FOUND'), 'IMAGE_NOT_FOUND');
    assert.equal(codeOf('STORAGE_ARCHIVED'), 'IMAGE_ARCHIVED');
    assert.equal(codeOf('STORAGE_NOT_REGULAR_FILE'), 'IMAGE_NOT_REGULAR_FILE');
    assert.equal(codeOf('STORAGE_OUTSIDE_ROOTS'), 'IMAGE_OUTSIDE_ROOTS');
    assert.equal(codeOf('STORAGE_FAILED'), 'IMAGE_FETCH_FAILED');
  });

  it('names parts with 6-digit chunk indexes and reads indexes back from job keys', () => {
    assert.equal(partName(7), 'part-000007.jsonl');
    assert.equal(chunkIndexFromKey('{zeroshot}:chunks:run-r1-chunk-000012'), 12);
    assert.equal(chunkIndexFromKey('{zeroshot}:chunks:other'), undefined);
  });

  it('builds the summary from the progress hash (overwritten on retry) and the chunk results', () => {
    const summary = buildRunSummary({
      spec: {
        v: 1,
        runId: 'r',
        labels: ['a', 'b'],
        mode: 'softmax',
        output: 'file:///tmp/o/',
        source: [],
        createdAt: '2026-01-01T00:00:00.000Z',
        incremental: false,
        storeEmbeddings: false,
        reuseEmbeddings: false,
      },
      state: 'completed',
      images: 30,
      chunks: 3,
      startedAt: '2026-01-01T00:00:00.000Z',
      progress: new Map([
        [0, { done: 9, failed: 1 }],
        [1, { done: 10, failed: 0 }],
      ]),
      results: [
        { index: 0, images: 10, ok: 9, failed: 1, codes: { IMAGE_CORRUPT: 1 } },
        { index: 1, images: 10, ok: 10, failed: 0, codes: {} },
      ],
      failedChunks: [{ index: 2, reason: 'STORAGE_ACCESS_DENIED: no' }],
      classifier: {
        info: {
          id: 'm',
          dir: '/m',
          modelType: 'clip',
          dtype: 'fp32',
          provider: 'cpu',
          projectionDim: 32,
          imageSize: 224,
          logitScale: 100,
          logitBias: 0,
        },
      },
      finishedAt: new Date('2026-01-01T00:00:10.000Z'),
      templates: ['This is a photo of {}.'],
    });
    assert.deepEqual(summary.counts, { images: 30, ok: 19, failed: 1, missing: 10 });
    assert.deepEqual(summary.failuresByCode, { IMAGE_CORRUPT: 1 });
    assert.deepEqual(summary.chunks, {
      total: 3,
      written: 2,
      failed: [{ index: 2, reason: 'STORAGE_ACCESS_DENIED: no' }],
      cancelled: 0,
    });
    assert.equal(summary.imagesPerSecond, 2);
    assert.deepEqual(summary.templates, ['This is a photo of {}.']);
  });
});
