import { type Command, Option } from 'commander';
import {
  DEFAULT_HUB_MODEL,
  inspectModel,
  MODEL_DTYPES,
  type ModelReport,
  parseDtype,
  pullModel,
  resolveModelDir,
} from '../../core/model/index.js';
import type { TensorInfo } from '../../core/runtime/index.js';
import { action } from '../exit.js';
import { count, print, safeJson, safeText } from '../output.js';
import { formatBytes, pullProgress } from '../pull-progress.js';

const tensor = (t: TensorInfo) => `${t.name} ${t.type} [${t.shape.join(', ')}]`;

function formatReport(r: ModelReport): string {
  const p = r.preprocess;
  const resize = p.shortestEdge
    ? `shortest edge ${p.shortestEdge}`
    : p.resizeTo
      ? `resize to ${p.resizeTo.width}x${p.resizeTo.height}`
      : 'no resize';
  const crop = p.crop ? `, center crop ${p.crop.width}x${p.crop.height}` : '';
  const rows: Array<[string, string]> = [
    ['model', r.id],
    ['dir', r.dir],
    ['type', r.modelType],
    ['embedding', `${r.projectionDim} dims`],
    [
      'image',
      `${r.imageSize}x${r.imageSize} (${resize}${crop}, rescale ${p.rescaleFactor}, mean [${p.mean.join(', ')}], std [${p.std.join(', ')}])`,
    ],
    ['dtype', r.dtype],
  ];
  r.variants.forEach((v, i) => {
    rows.push([
      i === 0 ? 'variants' : '',
      `${v.kind.padEnd(6)} ${v.dtype.padEnd(5)} ${v.file} (${formatBytes(v.bytes)})`,
    ]);
  });
  for (const kind of ['vision', 'text'] as const) {
    const s = r.sessions[kind];
    rows.push([kind, `inputs:  ${s.inputs.map(tensor).join('; ')}`]);
    rows.push(['', `outputs: ${s.outputs.map(tensor).join('; ')}`]);
  }
  rows.push(['logits', `scale ${r.logit.scale}, bias ${r.logit.bias} (from ${r.logit.source})`]);
  const t = r.tokenizer;
  rows.push([
    'tokenizer',
    `context ${t.contextLength}, pad id ${t.padId}, eos id ${t.eosId ?? 'none'}, padding ${t.padding}`,
  ]);
  return `${rows.map(([k, v]) => `${k.padEnd(10)} ${safeText(v)}`).join('\n')}\n`;
}

export function register(program: Command): void {
  const model = program.command('model').description('Inspect and download models');

  model
    .command('inspect')
    .description('Show what zeroshot finds in a model directory (default: the resolved model)')
    .argument('[dir]', 'model directory or cached hub id (default: --model resolution order)')
    .addOption(new Option('--dtype <dtype>', 'weight variant to open').choices(MODEL_DTYPES))
    .option('--json', 'print JSON')
    .action(
      action(async (dir: string | undefined, opts: { dtype?: string; json?: boolean }) => {
        const resolved = await resolveModelDir(dir === undefined ? {} : { model: dir });
        const report = await inspectModel(
          resolved,
          opts.dtype === undefined ? {} : { dtype: parseDtype(opts.dtype, '--dtype') },
        );
        print(opts.json ? `${safeJson(report, 2)}\n` : formatReport(report));
        return 0;
      }),
    );

  model
    .command('pull')
    .description('Download a model from the Hugging Face hub into the cache (resumable, verified)')
    .argument('<repo>', `hub repository in the transformers.js ONNX layout, e.g. ${DEFAULT_HUB_MODEL}`)
    .option('--revision <rev>', 'branch, tag or commit', 'main')
    .addOption(
      new Option('--dtype <dtype>', 'weight variant to download').choices(MODEL_DTYPES).default('fp32'),
    )
    .option('--cache-dir <dir>', 'cache root (default: ZEROSHOT_CACHE_DIR or ~/.cache/zeroshot)')
    .addHelpText(
      'after',
      '\nEnvironment: HF_ENDPOINT (default https://huggingface.co), HF_TOKEN (gated/private repositories),\nZEROSHOT_CACHE_DIR. Use the model with --model DIR or ZEROSHOT_MODEL=<repo>.',
    )
    .action(
      action(async (repo: string, flags: PullFlags) => {
        const progress = pullProgress();
        let result: Awaited<ReturnType<typeof pullModel>>;
        try {
          result = await pullModel({
            repo,
            revision: flags.revision,
            dtype: parseDtype(flags.dtype ?? 'fp32', '--dtype'),
            ...(flags.cacheDir !== undefined ? { cacheDir: flags.cacheDir } : {}),
            ...progress,
          });
        } finally {
          progress.stop();
        }
        const fetched = result.files.filter((f) => !f.skipped);
        const bytes = fetched.reduce((s, f) => s + f.bytes, 0);
        print(
          `${repo} (${flags.dtype ?? 'fp32'}) is in ${result.dir}: ${count(fetched.length, 'file')} downloaded (${formatBytes(bytes)}), ${result.files.length - fetched.length} already present\n` +
            (repo === DEFAULT_HUB_MODEL && flags.cacheDir === undefined
              ? 'It is the default model: zeroshot uses it when no --model or ZEROSHOT_MODEL is given.\n'
              : `Use it with --model ${result.dir} or ZEROSHOT_MODEL=${repo}${flags.cacheDir !== undefined ? ` ZEROSHOT_CACHE_DIR=${flags.cacheDir}` : ''}.\n`),
        );
        return 0;
      }),
    );
}

interface PullFlags {
  revision: string;
  dtype?: string;
  cacheDir?: string;
}
