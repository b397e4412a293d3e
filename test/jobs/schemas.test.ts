import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toErrorInfo, ZeroshotError } from '../../src/core/errors/index.js';
import { chunkPayloadSchema, jobIds, runSpecSchema } from '../../src/jobs/index.js';

describe('job contract', () => {
  it('derives deterministic, colon-free job ids', () => {
    assert.equal(jobIds.chunk('r1', 12), 'run-r1-chunk-000012');
    assert.equal(jobIds.run('r1'), 'run-r1');
  });

  it('rejects a run spec with duplicate labels and names the problem', () => {
    const res = runSpecSchema.safeParse({
      v: 1,
      runId: 'r1',
      labels: ['cat', 'cat'],
      output: 'file:///tmp/out',
      source: [],
      createdAt: new Date().toISOString(),
    });
    assert.equal(res.success, false);
    assert.match(JSON.stringify(res.error?.issues), /unique/);
  });

  it('rejects chunk payloads with unknown fields or bad URIs', () => {
    const base = { v: 1, runId: 'r1', index: 0, images: [{ uri: 's3://bucket/a.jpg' }] };
    assert.equal(chunkPayloadSchema.safeParse(base).success, true);
    assert.equal(chunkPayloadSchema.safeParse({ ...base, labels: ['x'] }).success, false);
    assert.equal(
      chunkPayloadSchema.safeParse({ ...base, images: [{ uri: '../etc/passwd' }] }).success,
      false,
    );
  });

  it('turns errors into stable { code, message } records', () => {
    assert.deepEqual(toErrorInfo(new ZeroshotError('IMAGE_EMPTY', 'empty')), {
      code: 'IMAGE_EMPTY',
      message: 'empty',
    });
    assert.equal(toErrorInfo(new Error('boom')).code, 'INTERNAL');
  });
});
