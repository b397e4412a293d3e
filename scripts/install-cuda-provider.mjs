#!/usr/bin/env node
// `npm run cuda:install`: the explicit opt-in step that puts ONNX Runtime's CUDA execution provider next
// to the onnxruntime-node binding, so zeroshot can run on NVIDIA GPUs. npm ci runs with ignore-scripts,
// so onnxruntime-node's own postinstall (which downloads these from NuGet) never runs by accident.
// Plain JavaScript: it must work before the TypeScript is built. See docs/MODELS.md ("GPU").
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const LIBS = ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so'];
/** npm package carrying the CUDA provider libraries of ONNX Runtime 1.29.0 (linux-x64). */
const DEFAULT_PACKAGE = 'com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9';
const PACKAGE_ORT_VERSION = '1.29.0';

const HELP = `Usage: npm run cuda:install -- [options]
       node scripts/install-cuda-provider.mjs [options]

Copies the ONNX Runtime CUDA execution provider (${LIBS.join(', ')})
next to the onnxruntime-node binding, so that zeroshot can use --provider cuda.

Options:
  --from DIR     take the libraries from DIR (for example an extracted
                 Microsoft.ML.OnnxRuntime.Gpu.Linux NuGet package: runtimes/linux-x64/native,
                 or an offline copy); they must be built for the installed onnxruntime-node version
  --package SPEC npm package to fetch them from (default ${DEFAULT_PACKAGE},
                 ONNX Runtime ${PACKAGE_ORT_VERSION}); needs the npm registry
  --check        only report whether the provider is installed (with the sha256 of its libraries)
                 and whether the CUDA 13 / cuDNN 9 libraries it needs resolve (ldd)
  -h, --help     show this help

The default package is a third-party npm repackaging (by asus4, for onnxruntime-unity) of ONNX Runtime
${PACKAGE_ORT_VERSION}'s CUDA provider; npm checks the registry's integrity hash on download, and --check
prints each library's sha256 to compare with Microsoft's onnxruntime-linux-x64-gpu-${PACKAGE_ORT_VERSION} release.
The provider needs the NVIDIA driver plus the CUDA 13 and cuDNN 9 runtime libraries on the library
path; after copying, this script runs ldd and lists any that are missing.

Environment:
  ZEROSHOT_ORT_PACKAGE_DIR  onnxruntime-node package directory to install into (default: the one
                            node resolves from this project)`;

class Failure extends Error {
  constructor(message, status = 1) {
    super(message);
    this.status = status;
  }
}

function parseArgs(argv) {
  const opts = { from: undefined, pkg: undefined, check: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Failure(`${a} needs a value (see --help)`, 2);
      return v;
    };
    if (a === '-h' || a === '--help') opts.help = true;
    else if (a === '--check') opts.check = true;
    else if (a === '--from') opts.from = value();
    else if (a.startsWith('--from=')) opts.from = a.slice('--from='.length);
    else if (a === '--package') opts.pkg = value();
    else if (a.startsWith('--package=')) opts.pkg = a.slice('--package='.length);
    else throw new Failure(`unknown option ${a} (allowed: --from DIR, --package SPEC, --check, --help)`, 2);
  }
  if (opts.from !== undefined && opts.pkg !== undefined)
    throw new Failure('use either --from or --package, not both', 2);
  return opts;
}

function ortPackageDir() {
  if (process.env.ZEROSHOT_ORT_PACKAGE_DIR) return path.resolve(process.env.ZEROSHOT_ORT_PACKAGE_DIR);
  try {
    const require = createRequire(import.meta.url);
    return path.dirname(require.resolve('onnxruntime-node/package.json'));
  } catch {
    throw new Failure('onnxruntime-node is not installed: run `npm ci --ignore-scripts` first');
  }
}

function bindingDir(pkgDir) {
  const bin = path.join(pkgDir, 'bin');
  const napis = existsSync(bin)
    ? readdirSync(bin)
        .filter((d) => d.startsWith('napi-v'))
        .sort()
        .reverse()
    : [];
  for (const napi of napis) {
    const dir = path.join(bin, napi, process.platform, process.arch);
    if (existsSync(path.join(dir, 'onnxruntime_binding.node'))) return dir;
  }
  throw new Failure(`no onnxruntime-node binding for ${process.platform}/${process.arch} under ${bin}`);
}

function findLibs(root) {
  const found = new Map();
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (LIBS.includes(entry.name) && !found.has(entry.name)) found.set(entry.name, p);
    }
  };
  walk(root);
  return found;
}

function run(cmd, args, what, cwd) {
  const res = spawnSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (res.error) throw new Failure(`${what}: ${res.error.message}`);
  if (res.status !== 0)
    throw new Failure(`${what} exited with status ${res.status}:\n${res.stderr || res.stdout}`);
  return res.stdout;
}

/** npm pack (the registry's tarball, no install scripts) into a temp dir, then tar -x. */
function fetchPackage(spec, tmp) {
  process.stderr.write(`fetching ${spec} from the npm registry (about 230 MB) ...\n`);
  const out = run('npm', ['pack', spec, '--pack-destination', tmp, '--silent'], `npm pack ${spec}`, tmp);
  const tgz = out.trim().split('\n').pop();
  if (!tgz) throw new Failure(`npm pack ${spec} printed no file name`);
  run('tar', ['-xzf', path.join(tmp, tgz), '-C', tmp], `extracting ${tgz}`);
  return tmp;
}

function missingDeps(lib) {
  const res = spawnSync('ldd', [lib], { encoding: 'utf8' });
  if (res.error || res.status !== 0) return undefined;
  return res.stdout
    .split('\n')
    .filter((l) => l.includes('not found'))
    .map((l) => l.trim().split(/\s+/)[0]);
}

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

/**
 * What is installed, for `--check`: where, the sha256 of each library (compare them with the same files of
 * Microsoft's onnxruntime-linux-x64-gpu release of the matching version to verify the third-party
 * package), and the CUDA/cuDNN libraries ldd cannot resolve.
 */
function report(dir, ortVersion) {
  const present = LIBS.filter((l) => existsSync(path.join(dir, l)));
  if (present.length < LIBS.length) {
    process.stdout.write(
      `CUDA provider not installed in ${dir} (missing ${LIBS.filter((l) => !present.includes(l)).join(', ')})\n`,
    );
    return false;
  }
  process.stdout.write(`CUDA provider installed in ${dir} (onnxruntime-node ${ortVersion})\n`);
  for (const lib of LIBS) process.stdout.write(`  sha256 ${sha256(path.join(dir, lib))}  ${lib}\n`);
  const missing = missingDeps(path.join(dir, LIBS[0]));
  if (missing && missing.length > 0) {
    process.stdout.write(
      `warning: libonnxruntime_providers_cuda.so needs libraries that are not on the library path: ${missing.join(', ')}\n` +
        '  install the matching CUDA and cuDNN runtime (or add them to LD_LIBRARY_PATH); until then zeroshot falls back to CPU\n',
    );
  }
  return true;
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Failure(
      `the CUDA provider libraries this script installs are for linux/x64, not ${process.platform}/${process.arch}`,
    );
  }
  const pkgDir = ortPackageDir();
  const dest = bindingDir(pkgDir);
  const version = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version;
  if (opts.check) return report(dest, version) ? 0 : 1;

  let tmp;
  try {
    let sourceDir;
    if (opts.from !== undefined) {
      sourceDir = path.resolve(opts.from);
      if (!existsSync(sourceDir) || !statSync(sourceDir).isDirectory())
        throw new Failure(`--from ${sourceDir} is not a directory`, 2);
      process.stderr.write(
        `note: the libraries in ${sourceDir} must be built for ONNX Runtime ${version} (the installed onnxruntime-node)\n`,
      );
    } else {
      if (opts.pkg === undefined && version !== PACKAGE_ORT_VERSION) {
        throw new Failure(
          `onnxruntime-node ${version} is installed, but ${DEFAULT_PACKAGE} carries the CUDA provider of ONNX Runtime ${PACKAGE_ORT_VERSION}.\n` +
            'The provider libraries are loaded into the same process as the binding and must come from the same ONNX Runtime\n' +
            'release (a mismatch fails to load or crashes). Use --from DIR with libraries of the matching release (for example\n' +
            `runtimes/linux-x64/native of the Microsoft.ML.OnnxRuntime.Gpu.Linux ${version} NuGet package).`,
        );
      }
      tmp = mkdtempSync(path.join(os.tmpdir(), 'zeroshot-cuda-'));
      sourceDir = fetchPackage(opts.pkg ?? DEFAULT_PACKAGE, tmp);
    }
    const libs = findLibs(sourceDir);
    const absent = LIBS.filter((l) => !libs.has(l));
    if (absent.length > 0) throw new Failure(`${sourceDir} does not contain ${absent.join(', ')}`);
    for (const [name, src] of libs) {
      copyFileSync(src, path.join(dest, name));
      process.stderr.write(`copied ${name} -> ${dest}\n`);
    }
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
  report(dest, version);
  process.stdout.write(
    'Use it with --provider cuda (zeroshot tries cuda first by default and says when it falls back to CPU).\n',
  );
  return 0;
}

try {
  process.exitCode = main();
} catch (err) {
  if (!(err instanceof Failure)) throw err;
  process.stderr.write(`cuda:install: ${err.message}\n`);
  process.exitCode = err.status;
}
