import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../support/fixtures.js';

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile → instructions (continuation lines joined, comments dropped). */
function parseDockerfile(file: string): Instruction[] {
  const text = readFileSync(path.join(REPO_ROOT, file), 'utf8').replace(/\\\r?\n/g, ' ');
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op = '', ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

/** Instructions of the last stage (the image that ships). */
function finalStage(ins: Instruction[]): Instruction[] {
  const lastFrom = ins.map((i) => i.op).lastIndexOf('FROM');
  return ins.slice(lastFrom);
}

for (const file of ['deploy/Dockerfile', 'deploy/Dockerfile.cuda']) {
  describe(file, () => {
    const all = parseDockerfile(file);
    const final = finalStage(all);
    const args = (op: string) => final.filter((i) => i.op === op).map((i) => i.args);

    it('runs as a non-root user', () => {
      const users = args('USER');
      assert.equal(users.length, 1);
      const user = users[0]!.split(':')[0]!;
      assert.ok(!['root', '0', ''].includes(user), `USER ${users[0]}`);
      assert.ok(!args('RUN').some((r) => /\bsudo\b/.test(r)));
      assert.ok(
        final.findIndex((i) => i.op === 'USER') > final.findIndex((i) => i.op === 'RUN'),
        'USER comes after the last RUN',
      );
    });

    it('has a HEALTHCHECK on /healthz via deploy/healthcheck.mjs', () => {
      const hc = args('HEALTHCHECK');
      assert.equal(hc.length, 1);
      assert.match(hc[0]!, /CMD \["node", "\/app\/deploy\/healthcheck\.mjs"\]/);
      assert.ok(args('COPY').some((c) => c.includes('deploy/healthcheck.mjs')));
      assert.ok(existsSync(path.join(REPO_ROOT, 'deploy/healthcheck.mjs')));
    });

    it('takes the model from a /models volume, not from the image', () => {
      assert.deepEqual(args('VOLUME'), ['["/models"]']);
      assert.ok(args('ENV').some((e) => /ZEROSHOT_MODEL=\/models\//.test(e)));
      assert.ok(
        !all.some((i) => i.op === 'COPY' && /\.onnx|models/.test(i.args) && !i.args.includes('node_modules')),
      );
    });

    it('installs with npm ci --ignore-scripts, builds, prunes dev dependencies, and exposes metrics', () => {
      const runs = all.filter((i) => i.op === 'RUN').map((i) => i.args);
      assert.ok(runs.some((r) => r.includes('npm ci --ignore-scripts')));
      assert.ok(runs.some((r) => r.includes('tsc -p deploy/tsconfig.build.json')));
      assert.ok(runs.some((r) => r.includes('npm prune --omit=dev')));
      assert.deepEqual(args('EXPOSE'), ['9464']);
      assert.ok(args('ENTRYPOINT')[0]?.includes('/app/bin/zeroshot.js'));
      assert.deepEqual(args('CMD'), ['["worker"]']);
    });

    it('every COPY source exists in the repository and is not excluded by .dockerignore', () => {
      const ignored = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#'));
      for (const c of all.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))) {
        const parts = c.args.split(/\s+/).filter((p) => !p.startsWith('--'));
        for (const src of parts.slice(0, -1)) {
          assert.ok(existsSync(path.join(REPO_ROOT, src)), `${file}: COPY ${src} exists`);
          assert.ok(!ignored.includes(src.split('/')[0]!), `${file}: ${src} is not in .dockerignore`);
        }
      }
    });
  });
}

describe('deploy/Dockerfile.cuda', () => {
  it('starts from an NVIDIA CUDA runtime image and installs the CUDA provider', () => {
    const text = readFileSync(path.join(REPO_ROOT, 'deploy/Dockerfile.cuda'), 'utf8');
    assert.match(text, /ARG CUDA_IMAGE=nvidia\/cuda:[\w.-]+-runtime-/);
    assert.match(text, /npm run cuda:install/);
    assert.match(text, /install-cuda-provider\.mjs --check/, 'the build reports unresolved CUDA libraries');
    const script = readFileSync(path.join(REPO_ROOT, 'scripts/install-cuda-provider.mjs'), 'utf8');
    assert.match(script, /--check/);
    assert.match(script, /--from/);
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    assert.ok(pkg.scripts['cuda:install'], 'package.json has the cuda:install script');
  });

  it('the CPU image is based on node:20-bookworm-slim', () => {
    assert.match(
      readFileSync(path.join(REPO_ROOT, 'deploy/Dockerfile'), 'utf8'),
      /ARG NODE_IMAGE=node:20-bookworm-slim/,
    );
  });
});
