import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/observability/logger.js';

describe('logger fields', () => {
  it('a key bound by a parent and a child (component) appears once, with the child value', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, cb) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        cb();
      },
    });
    const log = createLogger({}, { ZEROSHOT_LOG_LEVEL: 'info' }, { destination });
    log
      .child({ component: 'worker', worker: 'w1' })
      .child({ component: 'observability-http' })
      .info({ port: 9464 }, 'listening');
    const [line] = lines;
    assert.ok(line);
    assert.equal(line.match(/"component":/g)?.length, 1, line);
    const rec = JSON.parse(line) as Record<string, unknown>;
    assert.equal(rec.component, 'observability-http');
    assert.equal(rec.worker, 'w1');
    assert.equal(rec.port, 9464);
    assert.equal(rec.msg, 'listening');
  });
});
