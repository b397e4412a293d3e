import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { formatResultsTable } from '../../src/cli/commands/classify.js';
import { formatStatus, table } from '../../src/cli/commands/runs.js';
import { count, safeJson, safeText } from '../../src/cli/output.js';
import type { RunStatus } from '../../src/producer/index.js';
import { CLI, PHOTOS_DIR, TINY_MODEL_DIR } from '../support/fixtures.js';

const ESC = '\u001b';
const RED_LABEL = `${ESC}[31mred${ESC}[0m`;
/** Anything a terminal would act on: C0 (but newline), DEL, C1, bidi overrides. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('terminal-safe output', () => {
  it('safeText writes control characters as visible escapes', () => {
    assert.equal(safeText(RED_LABEL), '\\x1b[31mred\\x1b[0m');
    assert.equal(safeText('a\nb\rc\td'), 'a\\nb\\rc\\td');
    assert.equal(safeText('a\nb', { keepNewlines: true }), 'a\nb');
    assert.equal(safeText('\u009b2J \u007f \u0007'), '\\x9b2J \\x7f \\x07');
    assert.equal(safeText('abc\u202edcba'), 'abc\\u202edcba');
    assert.equal(safeText('plain café – ✓ 猫'), 'plain café – ✓ 猫');
  });

  it('safeJson stays valid JSON with no raw control characters', () => {
    const value = { label: `${RED_LABEL}\u009b\u202e` };
    const text = safeJson(value, 2);
    assert.doesNotMatch(text, RAW_CONTROL);
    assert.deepEqual(JSON.parse(text), value);
  });

  it('tables and status blocks escape labels, URIs and reasons (one line per value)', () => {
    const classify = formatResultsTable(
      [
        { image: `/tmp/${ESC}]0;pwned${ESC}\\.jpg`, labels: [{ label: RED_LABEL, score: 0.9 }] },
        { image: 'b.jpg', error: { code: 'IMAGE_CORRUPT', message: `bad\nFAKE ROW ${ESC}[2J` } },
      ],
      { fit: false },
    );
    assert.doesNotMatch(classify, RAW_CONTROL);
    assert.ok(classify.includes('\\x1b[31mred\\x1b[0m'));
    assert.equal(classify.trimEnd().split('\n').length, 3, 'a newline in a reason cannot forge a row');

    const runs = table(['RUN', 'REASON'], [['r1', `boom${ESC}[1A\ninjected`]]);
    assert.doesNotMatch(runs, RAW_CONTROL);
    assert.equal(runs.trimEnd().split('\n').length, 2);

    const status = formatStatus({
      runId: 'r1',
      state: 'failed',
      sealed: true,
      images: { total: 1, done: 0, failed: 1 },
      chunks: { total: 1, done: 0, failed: 1, pending: 0 },
      rate: 0,
      output: `s3://bucket/${ESC}[31m/`,
      error: `${ESC}[2Jgone`,
    } as unknown as RunStatus);
    assert.doesNotMatch(status, RAW_CONTROL);
    assert.ok(status.includes('\\x1b[2Jgone'));
  });

  it('plural: "1 chunk", "2 chunks"', () => {
    assert.equal(count(1, 'chunk'), '1 chunk');
    assert.equal(count(0, 'chunk'), '0 chunks');
    assert.equal(count(3, 'image'), '3 images');
  });

  it('zeroshot classify prints a label with ANSI escapes escaped (table and --json)', async () => {
    const img = path.join(PHOTOS_DIR, readdirSync(PHOTOS_DIR).sort()[0] as string);
    const run = (...extra: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [CLI, 'classify', img, '--labels', `${RED_LABEL},dog`, '--model', TINY_MODEL_DIR, ...extra],
          {
            env: { ...process.env, ZEROSHOT_PROVIDER: 'cpu', ZEROSHOT_INTRA_OP_THREADS: '1' },
            timeout: 60_000,
          },
          (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
        );
      });
    const [tableRun, jsonRun] = await Promise.all([run(), run('--json')]);
    assert.equal(tableRun.code, 0, tableRun.stderr);
    assert.doesNotMatch(tableRun.stdout, RAW_CONTROL);
    assert.ok(tableRun.stdout.includes('\\x1b[31mred\\x1b[0m'), tableRun.stdout);
    assert.equal(jsonRun.code, 0, jsonRun.stderr);
    assert.doesNotMatch(jsonRun.stdout, RAW_CONTROL);
    const parsed = JSON.parse(jsonRun.stdout) as Array<{ labels: Array<{ label: string }> }>;
    assert.ok(
      parsed[0]?.labels.some((l) => l.label === RED_LABEL),
      'JSON keeps the exact label',
    );
  });
});
