// Writes the ViT-B/32-shaped stand-in model (random weights, the shapes and compute cost of
// openai/clip-vit-base-patch32, ~1.2 GB with the full graph) once into .cache/models/clip-b32-stand-in.
// The benches need it; nothing is downloaded: scripts/make-stand-in-clip.py builds it with torch.
//
//   node scripts/make-bench-model.mjs [--force]      prints the model directory on stdout
//
// Environment: ZEROSHOT_PYTHON (default /usr/bin/python3, then
// python3 on PATH). Needs Debian's `python3-torch python3-onnx`.
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { fail, ROOT } from './bootstrap.mjs';

export const BENCH_MODEL_DIR = path.join(ROOT, '.cache', 'models', 'clip-b32-stand-in');

/** Files the benches read: our encoders use vision/text, transformers.js' pipeline uses model.onnx. */
const REQUIRED = [
  'onnx/vision_model.onnx',
  'onnx/text_model.onnx',
  'onnx/model.onnx',
  'config.json',
  'preprocessor_config.json',
  'tokenizer.json',
];

const say = (msg) => process.stderr.write(`[zeroshot] ${msg}\n`);

const isComplete = (dir) => REQUIRED.every((f) => existsSync(path.join(dir, f)));

function findPython() {
  const candidates = [process.env.ZEROSHOT_PYTHON, '/usr/bin/python3', 'python3'].filter(Boolean);
  for (const py of candidates) {
    const res = spawnSync(py, ['-c', 'import torch, onnx'], { stdio: 'ignore' });
    if (res.status === 0) return py;
  }
  return undefined;
}

export function ensureBenchModel({ force = false } = {}) {
  if (!force && isComplete(BENCH_MODEL_DIR)) return BENCH_MODEL_DIR;
  const script = path.join(ROOT, 'scripts', 'make-stand-in-clip.py');
  const python = findPython();
  if (!python) {
    fail(
      'no Python with torch and onnx found (tried $ZEROSHOT_PYTHON, /usr/bin/python3, python3)',
      'sudo apt-get install -y python3-torch python3-onnx   (Debian/Ubuntu), or set ZEROSHOT_PYTHON',
    );
  }
  // Build into a temporary directory and rename: an interrupted build never looks complete.
  const tmp = `${BENCH_MODEL_DIR}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  say(`writing the ViT-B/32 stand-in model into ${BENCH_MODEL_DIR} (~1.2 GB, a few minutes) ...`);
  const res = spawnSync(python, [script, tmp, '--preset', 'b32', '--full'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (res.status !== 0 || !isComplete(tmp)) {
    rmSync(tmp, { recursive: true, force: true });
    fail(
      `make-stand-in-clip.py exited with status ${res.status ?? res.signal}`,
      'check that `python3 -c "import torch, onnx"` works (apt-get install -y python3-torch python3-onnx)',
    );
  }
  rmSync(BENCH_MODEL_DIR, { recursive: true, force: true });
  renameSync(tmp, BENCH_MODEL_DIR);
  return BENCH_MODEL_DIR;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.stdout.write(`${ensureBenchModel({ force: process.argv.includes('--force') })}\n`);
}
