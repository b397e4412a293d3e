// `npm run bench:engine` / `npm run bench`: bootstrap (deps, build, redis-server for e2e), make sure the
// ViT-B/32 stand-in model exists, then run the compiled bench from dist/bench/.
//
//   node scripts/run-bench.mjs engine|e2e [--quick] [--model DIR] [--no-build] [bench options...]
//
// Every option after the bench name is passed to the bench itself (`--help` lists them).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ensureDependencies, ensureRedisServer, fail, ROOT, sharedDir } from './bootstrap.mjs';
import { ensureBenchModel } from './make-bench-model.mjs';

const BENCHES = { engine: 'engine.js', e2e: 'e2e.js' };
const say = (msg) => process.stderr.write(`[zeroshot] ${msg}\n`);

const [name, ...rest] = process.argv.slice(2);
if (!name || !(name in BENCHES)) {
  fail(
    `unknown bench ${JSON.stringify(name ?? '')}`,
    `node scripts/run-bench.mjs ${Object.keys(BENCHES).join('|')} [--quick]`,
  );
}
const [major] = process.versions.node.split('.').map(Number);
if (major < 20) fail(`Node ${process.versions.node} is too old`, 'install Node.js 20 or newer');

const noBuild = rest.includes('--no-build');
const args = rest.filter((a) => a !== '--no-build');

sharedDir(); // exported to the bench processes (photos, the stand-in tool)
ensureDependencies();
if (!noBuild) {
  say('building (tsc) ...');
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const res = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
  // tsc still emits JavaScript when some file has type errors: say so and run what was emitted.
  if (res.status !== 0)
    say(`WARNING: tsc reported type errors (status ${res.status}); running the emitted build`);
}
if (name === 'e2e') ensureRedisServer();

const script = path.join(ROOT, 'dist', 'bench', BENCHES[name]);
if (!existsSync(script)) fail(`${script} is missing`, 'run `npm run build` and look at its errors');

if (!args.includes('--model') && !args.includes('--help')) args.push('--model', ensureBenchModel());

const env = { ...process.env, ZEROSHOT_LOG_LEVEL: process.env.ZEROSHOT_LOG_LEVEL ?? 'warn' };
const res = spawnSync(process.execPath, [script, ...args], { cwd: ROOT, stdio: 'inherit', env });
if (res.error) fail(`cannot run ${script}: ${res.error.message}`);
process.exit(res.status ?? 1);
