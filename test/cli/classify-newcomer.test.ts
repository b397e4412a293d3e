import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IMAGE_EXTENSIONS } from '../../src/core/io/image-extensions.js';
import { DEFAULT_EXTENSIONS } from '../../src/producer/index.js';
import { CLI, PHOTOS_DIR, REPO_ROOT, TINY_MODEL_DIR } from '../support/fixtures.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function zeroshot(args: string[], env: NodeJS.ProcessEnv = {}, cli = CLI): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args],
      {
        env: { ...process.env, ZEROSHOT_LOG_LEVEL: 'silent', ZEROSHOT_INTRA_OP_THREADS: '1', ...env },
        timeout: 60_000,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const photos = readdirSync(PHOTOS_DIR).sort();
const img = (i: number) => path.join(PHOTOS_DIR, photos[i] as string);

describe('zeroshot classify for newcomers', () => {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'zs-newcomer-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('--jsonl: one JSON line per image, every image once', async () => {
    const images = [0, 1, 2, 3, 4].map(img);
    const r = await zeroshot(
      [
        'classify',
        ...images,
        path.join(tmp, 'missing.jpg'),
        '--labels',
        'fish,bird',
        '--jsonl',
        '--model',
        TINY_MODEL_DIR,
      ],
      { ZEROSHOT_PROVIDER: 'cpu' },
    );
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 6);
    const parsed = lines.map(
      (l) => JSON.parse(l) as { image: string; labels?: unknown[]; error?: { code: string } },
    );
    assert.deepEqual(
      new Set(parsed.map((p) => p.image)),
      new Set([...images, path.join(tmp, 'missing.jpg')]),
    );
    assert.equal(parsed.find((p) => p.error)?.error?.code, 'IMAGE_NOT_FOUND');
  });

  it('--ensemble foo, a bad ZEROSHOT_PROVIDER or ZEROSHOT_DTYPE fail before the model loads (exit 2)', async () => {
    // The model does not exist: an error about it would mean the model was tried first.
    const missing = path.join(tmp, 'no-model');
    const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
      [['--ensemble', 'foo'], {}, /unknown template ensemble "foo" \(allowed: imagenet80\)/],
      [[], { ZEROSHOT_PROVIDER: 'gpu' }, /ZEROSHOT_PROVIDER must be one of cuda, cpu \(got "gpu"\)/],
      [['--provider', 'cpu,tpu'], {}, /--provider must be one of cuda, cpu \(got "tpu"\)/],
      [[], { ZEROSHOT_DTYPE: 'fp64' }, /ZEROSHOT_DTYPE/],
      [['--json', '--jsonl'], {}, /either --json or --jsonl/],
    ];
    const runs = await Promise.all(
      cases.map(([args, env]) =>
        zeroshot(['classify', img(0), '--labels', 'cat', '--model', missing, ...args], env),
      ),
    );
    runs.forEach((r, i) => {
      assert.equal(r.code, 2, `${cases[i]?.[0].join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, cases[i]?.[2] as RegExp);
      assert.doesNotMatch(r.stderr, /MODEL_NOT_FOUND/);
    });
  });

  it('ZEROSHOT_PROVIDER=cpu: no CUDA warning; the provider list syntax of the worker is accepted', async () => {
    const [envRun, flagRun] = await Promise.all([
      zeroshot(['classify', img(0), '--labels', 'cat,dog', '--model', TINY_MODEL_DIR], {
        ZEROSHOT_PROVIDER: 'cpu',
      }),
      zeroshot(['classify', img(0), '--labels', 'cat,dog', '--model', TINY_MODEL_DIR, '--provider', 'cpu']),
    ]);
    for (const r of [envRun, flagRun]) {
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /cuda/i);
      assert.match(r.stderr, /1 image, 0 failed .* on cpu/);
    }
  });

  it('progress on stderr when it is a terminal (under script(1)), none when piped', async (t) => {
    if (spawnSync('script', ['--version']).status !== 0) {
      t.skip('script(1) from util-linux is not installed: no pseudo-terminal to test with');
      return;
    }
    const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
    const images = [0, 1, 2].map((i) => q(img(i))).join(' ');
    const out = path.join(tmp, 'progress-stdout.txt');
    const cmd = `${q(process.execPath)} ${q(CLI)} classify ${images} --labels cat,dog --model ${q(TINY_MODEL_DIR)} > ${q(out)}`;
    const tty = spawnSync('script', ['-qec', cmd, '/dev/null'], {
      encoding: 'utf8',
      env: {
        ...process.env,
        ZEROSHOT_PROVIDER: 'cpu',
        ZEROSHOT_INTRA_OP_THREADS: '1',
        ZEROSHOT_LOG_LEVEL: 'silent',
      },
      timeout: 60_000,
    });
    assert.equal(tty.status, 0, tty.stdout);
    assert.match(tty.stdout, /3\/3 images/, 'the bar reached 3/3 on the terminal');
    const piped = await zeroshot(
      ['classify', img(0), img(1), '--labels', 'cat,dog', '--model', TINY_MODEL_DIR],
      {
        ZEROSHOT_PROVIDER: 'cpu',
      },
    );
    assert.doesNotMatch(piped.stderr, /\/2 images/);
  });

  it('piped table output keeps long paths whole', async () => {
    const deep = path.join(
      tmp,
      'a-rather-long-directory-name-for-a-photo-collection',
      'and-a-sub-folder-too',
    );
    mkdirSync(deep, { recursive: true });
    const file = path.join(deep, 'a-photo-with-a-long-descriptive-file-name.jpeg');
    copyFileSync(img(0), file);
    const r = await zeroshot(['classify', file, '--labels', 'cat,dog', '--model', TINY_MODEL_DIR], {
      ZEROSHOT_PROVIDER: 'cpu',
    });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(file.length > 48);
    assert.ok(r.stdout.includes(file), r.stdout);
    assert.doesNotMatch(r.stdout, /…/);
  });

  it('classify DIR and enqueue prefixes take the same image extensions', () => {
    assert.deepEqual([...DEFAULT_EXTENSIONS], [...IMAGE_EXTENSIONS]);
  });

  it('`zeroshot … --help | head` exits quietly when the reader goes away (no EPIPE trace)', async () => {
    for (const args of [['classify', '--help'], ['--help'], ['enqueue', '--help']]) {
      const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.destroy(); // the reader is gone before the first write
      let stderr = '';
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
      assert.equal(code, 0, `${args.join(' ')}: ${stderr}`);
      assert.doesNotMatch(stderr, /EPIPE|Error|\n\s+at /, stderr);
    }
  });

  it('an unbuilt clone: the launcher says the whole fix', async () => {
    const clone = path.join(tmp, 'clone');
    cpSync(path.join(REPO_ROOT, 'bin'), path.join(clone, 'bin'), { recursive: true });
    const r = await zeroshot(['--help'], {}, path.join(clone, 'bin', 'zeroshot.js'));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /npm ci && npm run build/);
    mkdirSync(path.join(clone, 'node_modules', 'commander'), { recursive: true });
    const built = await zeroshot(['--help'], {}, path.join(clone, 'bin', 'zeroshot.js'));
    assert.match(built.stderr, /not built yet[\s\S]*npm run build/);
    assert.doesNotMatch(built.stderr, /npm ci/);
  });
});
