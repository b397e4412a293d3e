import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UnrecoverableError } from 'bullmq';
import { ImageError } from '../../src/core/errors/index.js';
import { createLogger } from '../../src/observability/logger.js';
import { StorageError } from '../../src/storage/index.js';
import { fetchWithBudget } from '../../src/worker/fetch-budget.js';
import { isOutputOutage, writeOutput } from '../../src/worker/output-policy.js';

const log = createLogger({}, { ZEROSHOT_LOG_LEVEL: 'silent' });
const transient = () => new StorageError('STORAGE_TRANSIENT', 'S3 get x: ServiceUnavailable (HTTP 503)');

describe('worker failure policies', () => {
  it('fetchWithBudget retries retryable errors within the attempts, never permanent ones', async () => {
    let calls = 0;
    const ok = await fetchWithBudget(
      's3://b/k',
      { deadlineMs: 5_000, attempts: 3, baseDelayMs: 1 },
      undefined,
      async () => {
        if (++calls < 3) throw transient();
        return 'bytes';
      },
    );
    assert.equal(ok, 'bytes');
    assert.equal(calls, 3);

    calls = 0;
    await assert.rejects(
      fetchWithBudget('s3://b/k', { deadlineMs: 5_000, attempts: 3, baseDelayMs: 1 }, undefined, async () => {
        calls++;
        throw new StorageError('STORAGE_ACCESS_DENIED', 'denied');
      }),
      { code: 'STORAGE_ACCESS_DENIED' },
    );
    assert.equal(calls, 1);

    calls = 0;
    await assert.rejects(
      fetchWithBudget('s3://b/k', { deadlineMs: 5_000, attempts: 2, baseDelayMs: 1 }, undefined, async () => {
        calls++;
        throw new ImageError('IMAGE_FETCH_FAILED', 'HTTP 503', { retryable: true });
      }),
      { code: 'IMAGE_FETCH_FAILED' },
    );
    assert.equal(calls, 2, 'retryable ImageErrors are honoured too');
  });

  it('fetchWithBudget ends a fetch at its deadline through the signal it hands down', async (t) => {
    // AbortSignal.timeout() does not keep the event loop alive (a worker has Redis sockets that do).
    const keepAlive = setInterval(() => {}, 1_000);
    t.after(() => clearInterval(keepAlive));
    await assert.rejects(
      fetchWithBudget(
        'file:///slow',
        { deadlineMs: 100, attempts: 5 },
        undefined,
        (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      ),
      (err: ImageError) => {
        assert.equal(err.code, 'IMAGE_FETCH_FAILED');
        assert.equal(err.retryable, false);
        assert.match(err.message, /100 ms deadline \(--image-fetch-timeout-ms/);
        return true;
      },
    );
  });

  it('output errors: outages are waited out, permanent causes are not', () => {
    const fsErr = (code: 'STORAGE_ACCESS_DENIED' | 'STORAGE_FAILED', osCode: string) =>
      new StorageError(code, `put x: ${osCode}`, { osCode });
    assert.equal(isOutputOutage(transient()), true);
    assert.equal(isOutputOutage(fsErr('STORAGE_ACCESS_DENIED', 'EACCES')), true);
    assert.equal(isOutputOutage(fsErr('STORAGE_ACCESS_DENIED', 'EPERM')), true);
    assert.equal(isOutputOutage(fsErr('STORAGE_FAILED', 'EROFS')), true);
    assert.equal(isOutputOutage(fsErr('STORAGE_FAILED', 'ENOSPC')), true);
    assert.equal(isOutputOutage(fsErr('STORAGE_FAILED', 'ENOTDIR')), false);
    assert.equal(
      isOutputOutage(new StorageError('STORAGE_ACCESS_DENIED', 'S3 put: AccessDenied (HTTP 403)')),
      false,
    );
    assert.equal(isOutputOutage(new StorageError('STORAGE_BUCKET_NOT_FOUND', 'no bucket')), false);
  });

  it('writeOutput retries an outage until it clears and fails a permanent cause at once, naming it', async () => {
    let calls = 0;
    const result = await writeOutput('results', { budgetMs: 10_000, log, maxDelayMs: 5 }, async () => {
      if (++calls < 4) throw new StorageError('STORAGE_ACCESS_DENIED', 'put x: EACCES', { osCode: 'EACCES' });
      return 'written';
    });
    assert.equal(result, 'written');
    assert.equal(calls, 4);

    calls = 0;
    await assert.rejects(
      writeOutput('results', { budgetMs: 10_000, log }, async () => {
        calls++;
        throw new StorageError('STORAGE_FAILED', 'put file:///f/x: ENOTDIR: not a directory', {
          osCode: 'ENOTDIR',
        });
      }),
      (err: Error) => {
        assert.ok(err instanceof UnrecoverableError);
        assert.match(err.message, /cannot write results: STORAGE_FAILED: .*ENOTDIR: not a directory/);
        return true;
      },
    );
    assert.equal(calls, 1);

    calls = 0;
    await assert.rejects(
      writeOutput('results', { budgetMs: 30, log, maxDelayMs: 5 }, async () => {
        calls++;
        throw transient();
      }),
      { code: 'STORAGE_TRANSIENT' },
    );
    assert.ok(calls >= 2, 'retried until the budget was spent');
  });
});
