// `npm test`: bootstrap (deps, build, redis-server), then node's test runner over the compiled tests.
// `npm test -- <substring>...` runs only the test files whose path contains one of the substrings.
// `npm run test:faults` (`--faults`) runs the fault-injection suite in test/faults/ (slow; not part of `npm test`).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { bootstrap, ROOT } from './bootstrap.mjs';

bootstrap({ redis: true });

function findTests(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findTests(p));
    else if (entry.name.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

const args = process.argv.slice(2);
const faults = args.includes('--faults');
const filters = args.filter((a) => a !== '--faults');
const faultsDir = `${path.join(ROOT, 'dist', 'test', 'faults')}${path.sep}`;
const files = findTests(path.join(ROOT, 'dist', 'test'))
  .filter((f) => f.startsWith(faultsDir) === faults)
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
if (files.length === 0) {
  process.stderr.write(`[zeroshot] no test files match ${JSON.stringify(filters)}\n`);
  process.exit(1);
}
const res = spawnSync(
  process.execPath,
  [
    '--test',
    '--test-reporter=spec',
    `--test-concurrency=${process.env.ZEROSHOT_TEST_CONCURRENCY ?? 2}`,
    ...files,
  ],
  {
    cwd: ROOT,
    stdio: 'inherit',
    env: {
      ...process.env,
      ZEROSHOT_LOG_LEVEL: process.env.ZEROSHOT_LOG_LEVEL ?? 'silent',
      // s3rver (the S3 server of the tests) signs ListObjectsV2 continuation tokens with DES, which
      // OpenSSL 3 only offers through its legacy provider: without it multi-page listings answer 500.
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --openssl-legacy-provider`.trim(),
    },
  },
);
process.exit(res.status ?? 1);
