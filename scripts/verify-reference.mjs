// `npm run verify:reference`: our preprocessing and tokenizer against transformers' own output for the 49
// shared ImageNet photos (`<shared>/golden/hf/`, made with CLIPImageProcessor, SiglipImageProcessor and
// CLIPTokenizerFast). Prints the per-class error table (mean abs error of each photo's tensor; max and mean
// over the photos of each class) for the CLIP and SigLIP recipes and the token ids that differ, and exits
// 1 when a photo is off by more than 0.005 or a token id differs other than where documented.
//
//   node scripts/verify-reference.mjs [--icc ignore|convert] [--resize exact|fast] [--json] [--no-build]
//                                     [--if-present]   (exit 0 with a note when the shared goldens are absent)
//
// The shared folder: ZEROSHOT_SHARED_DIR, else ../shared (see scripts/bootstrap.mjs). Not a test: the
// photos are not redistributable; test/core/preprocess/golden.test.ts checks the repository's own fixtures.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bootstrap, findSharedDir, ROOT } from './bootstrap.mjs';

const TOLERANCE = 0.005;
/** Where OpenAI's tokenizer (CLIP's training) deliberately differs from transformers' fast tokenizer. */
const DOCUMENTED_TOKEN_DIFFERENCES = new Set(["This is a photo of Ben &amp; Jerry's."]);

const { values: flags } = parseArgs({
  options: {
    icc: { type: 'string', default: 'ignore' },
    resize: { type: 'string', default: 'exact' },
    json: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    'if-present': { type: 'boolean', default: false },
  },
});

const found = findSharedDir();
const goldenDir = found.dir && path.join(found.dir, 'golden', 'hf');
if (flags['if-present'] && !(goldenDir && existsSync(path.join(goldenDir, 'index.json')))) {
  console.log(
    `verify:reference skipped: no golden/hf/ under ${found.candidates.join(', ')} (ZEROSHOT_SHARED_DIR)`,
  );
  process.exit(0);
}
bootstrap({ build: flags['no-build'] ? false : 'strict' });
const shared = found.dir;
const imagesDir = path.join(shared, 'images', 'imagenet-dev');
const modelDir = path.join(shared, 'models', 'clip-tiny-random');

const core = await import(path.join(ROOT, 'dist', 'src', 'core', 'index.js'));
const index = JSON.parse(readFileSync(path.join(goldenDir, 'index.json'), 'utf8'));
const spec = await core.loadModelSpec(modelDir);

const recipes = {
  clip: spec.preprocess,
  siglip: {
    resizeTo: { width: 224, height: 224 },
    rescaleFactor: 1 / 255,
    mean: [0.5, 0.5, 0.5],
    std: [0.5, 0.5, 0.5],
    imageSize: 224,
  },
};

function meanAbsError(a, b) {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

function classOf(entry) {
  if (entry.upscaled) return 'upscaled (short edge < 224)';
  if (entry.icc_profile) return 'embedded ICC profile';
  return 'ordinary';
}

const report = { tolerance: TOLERANCE, options: { icc: flags.icc, resize: flags.resize }, recipes: {} };
let failed = false;
for (const [name, config] of Object.entries(recipes)) {
  const pre = new core.ImagePreprocessor(config, { iccProfiles: flags.icc, resize: flags.resize });
  const photos = [];
  for (const entry of index.images) {
    const buf = readFileSync(path.join(goldenDir, name, `${entry.image}.f32`));
    const golden = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
    const ours = await pre.preprocess(readFileSync(path.join(imagesDir, entry.image)));
    photos.push({ image: entry.image, class: classOf(entry), mae: meanAbsError(ours, golden) });
  }
  const classes = {};
  for (const p of photos) {
    classes[p.class] ??= [];
    classes[p.class].push(p.mae);
  }
  const rows = Object.entries(classes).map(([cls, maes]) => ({
    class: cls,
    photos: maes.length,
    max: Math.max(...maes),
    mean: maes.reduce((a, b) => a + b, 0) / maes.length,
  }));
  const over = photos.filter((p) => p.mae > TOLERANCE);
  if (over.length > 0) failed = true;
  report.recipes[name] = { rows, over, worst: photos.reduce((a, b) => (b.mae > a.mae ? b : a)) };
}

const tokenizer = new core.ClipTokenizer(spec);
const cases = JSON.parse(readFileSync(path.join(goldenDir, 'tokenizer-hf.json'), 'utf8')).cases;
report.tokens = { cases: cases.length, differ: [] };
for (const c of cases) {
  const ours = tokenizer.encode(c.text);
  if (JSON.stringify(ours) === JSON.stringify(c.ids)) continue;
  const documented = DOCUMENTED_TOKEN_DIFFERENCES.has(c.text);
  report.tokens.differ.push({ text: c.text, documented, ours, hf: c.ids });
  if (!documented) failed = true;
}
report.ok = !failed;

if (flags.json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  console.log(
    `Preprocessing vs transformers (per-photo mean abs error; icc=${flags.icc}, resize=${flags.resize})\n`,
  );
  console.log('| recipe | class | photos | max | mean |');
  console.log('|---|---|---:|---:|---:|');
  for (const [name, r] of Object.entries(report.recipes)) {
    for (const row of r.rows) {
      console.log(
        `| ${name} | ${row.class} | ${row.photos} | ${row.max.toFixed(5)} | ${row.mean.toFixed(5)} |`,
      );
    }
  }
  for (const [name, r] of Object.entries(report.recipes)) {
    console.log(
      `${name}: worst ${r.worst.image} ${r.worst.mae.toFixed(5)}; over ${TOLERANCE}: ${r.over.length}`,
    );
    for (const p of r.over) console.log(`  ${p.image} (${p.class}): ${p.mae.toFixed(5)}`);
  }
  console.log(
    `\nToken ids vs CLIPTokenizerFast: ${cases.length - report.tokens.differ.length}/${cases.length} equal`,
  );
  for (const d of report.tokens.differ) {
    console.log(
      `  ${JSON.stringify(d.text)} ${d.documented ? '(documented: OpenAI unescapes HTML entities)' : 'UNEXPECTED'}`,
    );
    console.log(`    ours ${d.ours.join(' ')}\n    hf   ${d.hf.join(' ')}`);
  }
  console.log(report.ok ? '\nOK' : '\nFAILED');
}
process.exit(report.ok ? 0 : 1);
