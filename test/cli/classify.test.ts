import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI, PHOTO_NAMES, PHOTOS_DIR, TINY_MODEL_DIR } from '../support/fixtures.js';
import { pngHeaderOnly, textNamedJpeg, truncatedJpeg } from '../support/images.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function zeroshot(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        env: { ...process.env, ZEROSHOT_LOG_LEVEL: 'silent', ZEROSHOT_INTRA_OP_THREADS: '1' },
        timeout: 60_000,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const MODEL = ['--model', TINY_MODEL_DIR, '--provider', 'cpu'];
const photos = PHOTO_NAMES;

describe('zeroshot classify', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'zs-cli-'));
    writeFileSync(path.join(dir, 'empty.jpg'), Buffer.alloc(0));
    writeFileSync(path.join(dir, 'truncated.jpg'), truncatedJpeg());
    writeFileSync(path.join(dir, 'text.jpg'), textNamedJpeg());
    writeFileSync(path.join(dir, 'huge.png'), pngHeaderOnly(20_000, 20_000));
    writeFileSync(path.join(dir, 'labels.txt'), '# animals\nfish\n\nbird\ndog\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--json: the fixture photos (directory argument), exit 0', async () => {
    const r = await zeroshot(
      'classify',
      PHOTOS_DIR,
      '--labels',
      'fish, bird,dog,car',
      '--top-k',
      '3',
      '--json',
      ...MODEL,
    );
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { image: string; labels: { label: string; score: number }[] }[];
    assert.equal(out.length, photos.length);
    assert.deepEqual(
      out.map((o) => path.basename(o.image)),
      photos,
    );
    for (const o of out) {
      assert.equal(o.labels.length, 3);
      assert.deepEqual(Object.keys(o.labels[0] ?? {}), ['label', 'score']);
      assert.ok((o.labels[0]?.score ?? 0) >= (o.labels[2]?.score ?? 0));
    }
  });

  it('table output for the fixture photos with --labels-file and a template, exit 0', async () => {
    const r = await zeroshot(
      'classify',
      PHOTOS_DIR,
      '--labels-file',
      path.join(dir, 'labels.txt'),
      '--template',
      'a photo of a {}.',
      '--top-k',
      '2',
      ...MODEL,
    );
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^IMAGE\s+LABEL\s+SCORE$/);
    assert.equal(lines.length, 1 + photos.length * 2);
    for (const p of photos) assert.ok(r.stdout.includes(p), p);
    for (const line of lines.slice(1)) assert.match(line, /(fish|bird|dog)\s+[01]\.\d{4}$/);
    assert.match(r.stderr, new RegExp(`${photos.length} images, 0 failed`));
  });

  it('bad files are reported per image with their code, the rest still printed, exit 1', async () => {
    const good = path.join(PHOTOS_DIR, photos[0] as string);
    const bad = ['missing.jpg', 'empty.jpg', 'truncated.jpg', 'text.jpg', 'huge.png'].map((f) =>
      path.join(dir, f),
    );
    const r = await zeroshot('classify', good, ...bad, '--labels', 'cat,dog', '--json', ...MODEL);
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout) as (
      | { image: string; labels: unknown[] }
      | { image: string; error: { code: string; message: string } }
    )[];
    assert.deepEqual(
      out.map((o) => ('error' in o ? o.error.code : 'ok')),
      [
        'ok',
        'IMAGE_NOT_FOUND',
        'IMAGE_EMPTY',
        'IMAGE_CORRUPT',
        'IMAGE_UNSUPPORTED_FORMAT',
        'IMAGE_TOO_MANY_PIXELS',
      ],
    );
    const table = await zeroshot('classify', good, ...bad.slice(0, 2), '--labels', 'cat,dog', ...MODEL);
    assert.equal(table.code, 1);
    assert.match(table.stdout, /ERROR IMAGE_NOT_FOUND/);
    assert.match(table.stdout, /ERROR IMAGE_EMPTY/);
  });

  it('usage errors exit 2 with a one-line explanation', async () => {
    const img = path.join(PHOTOS_DIR, photos[0] as string);
    const cases: [string[], RegExp][] = [
      [[img], /no labels/],
      [[img, '--labels', 'cat,dog,cat'], /duplicate label "cat"/],
      [[img, '--labels', 'cat,,dog'], /empty or blank/],
      [[img, '--labels', 'cat', '--no-such-option'], /unknown option/],
      [[img, '--labels', 'cat', '--mode', 'max'], /mode/],
    ];
    // Usage errors stop before the model loads, so these short runs can go side by side.
    const runs = await Promise.all(cases.map(([args]) => zeroshot('classify', ...args, ...MODEL)));
    runs.forEach((r, i) => {
      const [args, pattern] = cases[i] as [string[], RegExp];
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr.split('\n')[0] ?? '', pattern);
    });
  });

  it('a model that cannot be loaded: a clear message, exit 3', async () => {
    const img = path.join(PHOTOS_DIR, photos[0] as string);
    const r = await zeroshot('classify', img, '--labels', 'cat', '--model', dir, '--provider', 'cpu');
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /MODEL_FILE_MISSING: .*config\.json/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
});
