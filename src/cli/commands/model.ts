import { type Command, Option } from 'commander';
import {
  inspectModel,
  MODEL_DTYPES,
  type ModelReport,
  parseDtype,
  resolveModelDir,
} from '../../core/model/index.js';
import type { TensorInfo } from '../../core/runtime/index.js';
import { action } from '../exit.js';

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

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
  return `${rows.map(([k, v]) => `${k.padEnd(10)} ${v}`).join('\n')}\n`;
}

export function register(program: Command): void {
  const model = program.command('model').description('inspect and download models');

  model
    .command('inspect')
    .description('show what zeroshot finds in a model directory (default: the resolved model)')
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
        process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
        return 0;
      }),
    );
}
