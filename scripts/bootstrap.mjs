// Makes a fresh clone runnable with no manual step: installs npm dependencies, builds the TypeScript,
// and installs redis-server when it is missing and we are allowed to (root + apt-get).
// Plain JavaScript on purpose: it must run before anything is installed or compiled.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const say = (msg) => process.stderr.write(`[zeroshot] ${msg}\n`);

export function fail(msg, hint) {
  say(`FAILED: ${msg}`);
  if (hint) say(`  fix: ${hint}`);
  process.exit(1);
}

function run(cmd, args, what, opts = {}) {
  const res = spawnSync(cmd, args, { cwd: ROOT, stdio: opts.quiet ? 'pipe' : 'inherit', ...opts });
  if (res.error) fail(`${what}: ${res.error.message}`);
  if (res.status !== 0) {
    if (opts.quiet) process.stderr.write(`${res.stdout ?? ''}${res.stderr ?? ''}`);
    fail(`${what} exited with status ${res.status}`, opts.hint);
  }
  return res;
}

const which = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'pipe' }).status === 0;

export function ensureDependencies() {
  const lock = path.join(ROOT, 'package-lock.json');
  const stamp = path.join(ROOT, 'node_modules', '.zeroshot-lock-hash');
  const hash = createHash('sha256').update(readFileSync(lock)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return;
  say('installing npm dependencies (npm ci) ...');
  // ignore-scripts (also in .npmrc): onnxruntime-node's postinstall would try to download CUDA libraries.
  run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], 'npm ci', {
    hint: 'check network access to the npm registry, then run `npm ci --ignore-scripts`',
  });
  writeFileSync(stamp, hash);
}

/**
 * Compiles the TypeScript. `lenient`: tsc still emits JavaScript when some file has type errors, so only
 * warn and go on with the emitted build (the benches); otherwise type errors fail.
 */
export function ensureBuild({ lenient = false } = {}) {
  say('building (tsc) ...');
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  if (lenient) {
    const res = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
    if (res.status !== 0)
      say(`WARNING: tsc reported type errors (status ${res.status}); running the emitted build`);
    return;
  }
  run(process.execPath, [tsc, '-p', 'tsconfig.json'], 'build', {
    hint: 'run `npm run build` to see the type errors',
  });
}

export function ensureRedisServer() {
  if (which('redis-server')) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && which('apt-get')) {
    say('redis-server is missing: installing it with apt-get ...');
    run(
      'sh',
      ['-c', 'apt-get install -y redis-server || (apt-get update && apt-get install -y redis-server)'],
      'apt-get install redis-server',
      { quiet: true, hint: 'sudo apt-get install -y redis-server' },
    );
    // Debian starts a system service on 6379; we run private servers on free ports instead.
    spawnSync('sh', ['-c', 'service redis-server stop || systemctl stop redis-server'], { stdio: 'ignore' });
    if (which('redis-server')) return;
  }
  fail(
    'redis-server is not installed',
    'sudo apt-get install -y redis-server   (or set REDIS_URL to a running Redis)',
  );
}

/**
 * The optional workspace folder of benchmark inputs and references (ImageNet photos, transformers' golden
 * tensors): `ZEROSHOT_SHARED_DIR`, else `../shared` next to the checkout, else `shared/` next to the
 * repository this one was cloned from (a CI clone in a temp directory). Tests never need it: they read
 * test/fixtures/. Exported to the environment as an absolute path so every child agrees. Returns `{dir}`
 * when found, else `{candidates}` (the folders looked at).
 */
export function findSharedDir() {
  if (process.env.ZEROSHOT_SHARED_DIR) {
    const dir = path.resolve(ROOT, process.env.ZEROSHOT_SHARED_DIR);
    process.env.ZEROSHOT_SHARED_DIR = dir;
    return { dir, candidates: [dir] };
  }
  const candidates = [path.resolve(ROOT, '../shared')];
  const origin = spawnSync('git', ['config', '--get', 'remote.origin.url'], { cwd: ROOT, encoding: 'utf8' });
  const url = origin.status === 0 ? origin.stdout.trim().replace(/^file:\/\//, '') : '';
  if (url && path.isAbsolute(url)) candidates.push(path.resolve(url, '../shared'));
  const dir = candidates.find((d) => existsSync(d));
  if (dir) process.env.ZEROSHOT_SHARED_DIR = dir;
  return { dir, candidates };
}

/** `build`: 'strict' (type errors fail), 'lenient' (warn, run what tsc emitted) or false (no build). */
export function bootstrap({ redis = false, build = 'strict' } = {}) {
  const [major] = process.versions.node.split('.').map(Number);
  if (major < 20) fail(`Node ${process.versions.node} is too old`, 'install Node.js 20 or newer');
  ensureDependencies();
  if (build) ensureBuild({ lenient: build === 'lenient' });
  if (redis) ensureRedisServer();
}
