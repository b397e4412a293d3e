// `npm run bench:engine` / `npm run bench`: bootstrap (deps, build, redis-server for e2e), make sure the
// ViT-B/32 stand-in model exists, then run the compiled bench from dist/bench/.
//
//   node scripts/run-bench.mjs engine|e2e [--quick] [--model DIR] [--no-build] [bench options...]
//
// Every option after the bench name is passed to the bench itself (`--help` lists them).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { bootstrap, fail, findSharedDir, ROOT } from './bootstrap.mjs';
import { ensureBenchModel } from './make-bench-model.mjs';

const BENCHES = { engine: 'engine.js', e2e: 'e2e.js' };

const [name, ...rest] = process.argv.slice(2);
if (!name || !(name in BENCHES)) {
  fail(
    `unknown bench ${JSON.stringify(name ?? '')}`,
    `node scripts/run-bench.mjs ${Object.keys(BENCHES).join('|')} [--quick]`,
  );
}

const noBuild = rest.includes('--no-build');
const args = rest.filter((a) => a !== '--no-build');

// Node check, npm deps, then a lenient build: tsc still emits JavaScript when some file has type errors;
// run what was emitted. The workspace's shared folder, when there is one, is exported to the bench
// processes (its ImageNet photos; bench/support/photos.ts falls back to the fixture photos).
bootstrap({ redis: name === 'e2e', build: noBuild ? false : 'lenient' });
findSharedDir();

const script = path.join(ROOT, 'dist', 'bench', BENCHES[name]);
if (!existsSync(script)) fail(`${script} is missing`, 'run `npm run build` and look at its errors');

if (!args.includes('--model') && !args.includes('--help')) args.push('--model', ensureBenchModel());

// The bench process decodes too (the bounds): size its libuv pool as bin/zeroshot.js sizes the workers'.
createRequire(import.meta.url)('../bin/size-thread-pool.cjs');
const env = { ...process.env, ZEROSHOT_LOG_LEVEL: process.env.ZEROSHOT_LOG_LEVEL ?? 'warn' };
const res = spawnSync(process.execPath, [script, ...args], { cwd: ROOT, stdio: 'inherit', env });
if (res.error) fail(`cannot run ${script}: ${res.error.message}`);
process.exit(res.status ?? 1);
