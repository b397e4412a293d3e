import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/core/errors/index.js';
import { classifyS3Error, createStorage, storageConfigFromEnv } from '../../src/storage/index.js';

describe('storageConfigFromEnv', () => {
  it('is empty without variables (SDK defaults and credential chain apply)', () => {
    assert.deepEqual(storageConfigFromEnv({}), {});
  });

  it('reads endpoints in order ZEROSHOT_S3_ENDPOINT > AWS_ENDPOINT_URL_S3 > AWS_ENDPOINT_URL', () => {
    assert.equal(storageConfigFromEnv({ AWS_ENDPOINT_URL: 'http://a:1' }).endpoint, 'http://a:1');
    assert.equal(
      storageConfigFromEnv({ AWS_ENDPOINT_URL: 'http://a:1', AWS_ENDPOINT_URL_S3: 'http://b:2' }).endpoint,
      'http://b:2',
    );
    assert.equal(
      storageConfigFromEnv({ AWS_ENDPOINT_URL_S3: 'http://b:2', ZEROSHOT_S3_ENDPOINT: 'http://c:3' })
        .endpoint,
      'http://c:3',
    );
    assert.equal(
      storageConfigFromEnv({ AWS_ENDPOINT_URL_S3: 'http://b:2', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' })
        .endpoint,
      undefined,
    );
  });

  it('reads region, path style, attempts and timeout', () => {
    assert.deepEqual(
      storageConfigFromEnv({
        AWS_DEFAULT_REGION: 'eu-west-1',
        ZEROSHOT_S3_FORCE_PATH_STYLE: '0',
        ZEROSHOT_S3_MAX_ATTEMPTS: '3',
        ZEROSHOT_S3_TIMEOUT_MS: '1500',
      }),
      { region: 'eu-west-1', forcePathStyle: false, maxAttempts: 3, requestTimeoutMs: 1500 },
    );
    assert.equal(
      storageConfigFromEnv({ AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'x' }).region,
      'us-west-2',
    );
    assert.equal(storageConfigFromEnv({ ZEROSHOT_S3_FORCE_PATH_STYLE: 'true' }).forcePathStyle, true);
    assert.equal(storageConfigFromEnv({ ZEROSHOT_S3_LIST_API: 'V1' }).listApi, 'v1');
  });

  it('rejects bad values naming the variable and the allowed values', () => {
    assert.throws(
      () => storageConfigFromEnv({ ZEROSHOT_S3_FORCE_PATH_STYLE: 'maybe' }),
      (e: unknown) =>
        e instanceof UsageError && /ZEROSHOT_S3_FORCE_PATH_STYLE must be one of 1, 0/.test(e.message),
    );
    assert.throws(
      () => storageConfigFromEnv({ ZEROSHOT_S3_LIST_API: 'v3' }),
      /ZEROSHOT_S3_LIST_API must be v1 or v2/,
    );
    assert.throws(
      () => storageConfigFromEnv({ ZEROSHOT_S3_MAX_ATTEMPTS: '0' }),
      (e: unknown) =>
        e instanceof UsageError && /ZEROSHOT_S3_MAX_ATTEMPTS must be an integer from 1 to 20/.test(e.message),
    );
  });
});

describe('createStorage option validation', () => {
  it('rejects bad options up front without echoing secrets', () => {
    assert.throws(
      () => createStorage({ endpoint: 'ftp://x' }),
      /endpoint must be an http:\/\/ or https:\/\/ URL/,
    );
    assert.throws(() => createStorage({ maxAttempts: 0 }), /maxAttempts must be an integer from 1 to 20/);
    assert.throws(
      () => createStorage({ listPageSize: 5000 }),
      /listPageSize must be an integer from 1 to 1000/,
    );
    assert.throws(
      () => createStorage({ credentials: { accessKeyId: 'AK', secretAccessKey: 42 as unknown as string } }),
      (e: unknown) => e instanceof UsageError && !e.message.includes('42'),
    );
  });
});

describe('classifyS3Error', () => {
  const err = (props: Record<string, unknown>) => Object.assign(new Error('boom'), props);
  it('maps S3 names, HTTP statuses and socket errors to storage codes', () => {
    assert.equal(
      classifyS3Error(err({ name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } })),
      'STORAGE_NOT_FOUND',
    );
    assert.equal(
      classifyS3Error(err({ name: 'NotFound', $metadata: { httpStatusCode: 404 } })),
      'STORAGE_NOT_FOUND',
    );
    assert.equal(
      classifyS3Error(err({ name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } })),
      'STORAGE_BUCKET_NOT_FOUND',
    );
    assert.equal(
      classifyS3Error(err({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })),
      'STORAGE_ACCESS_DENIED',
    );
    assert.equal(
      classifyS3Error(err({ name: 'Unknown', $metadata: { httpStatusCode: 403 } })),
      'STORAGE_ACCESS_DENIED',
    );
    assert.equal(
      classifyS3Error(err({ name: 'SlowDown', $metadata: { httpStatusCode: 503 } })),
      'STORAGE_TRANSIENT',
    );
    assert.equal(
      classifyS3Error(err({ name: 'Unknown', $metadata: { httpStatusCode: 502 } })),
      'STORAGE_TRANSIENT',
    );
    assert.equal(
      classifyS3Error(err({ name: 'Unknown', $metadata: { httpStatusCode: 429 } })),
      'STORAGE_TRANSIENT',
    );
    assert.equal(classifyS3Error(err({ name: 'TimeoutError' })), 'STORAGE_TRANSIENT');
    assert.equal(classifyS3Error(err({ code: 'ECONNRESET' })), 'STORAGE_TRANSIENT');
    assert.equal(classifyS3Error(err({ code: 'EPIPE' })), 'STORAGE_TRANSIENT');
    assert.equal(classifyS3Error(new Error('socket hang up')), 'STORAGE_TRANSIENT');
    assert.equal(
      classifyS3Error(err({ name: 'InvalidArgument', $metadata: { httpStatusCode: 400 } })),
      'STORAGE_FAILED',
    );
  });
});
