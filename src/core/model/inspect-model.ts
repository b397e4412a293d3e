import path from 'node:path';
import { createSession } from '../runtime/create-session.js';
import { describeValues, type TensorInfo } from '../runtime/tensor-io.js';
import { ClipTokenizer } from '../tokenizer/index.js';
import type { ModelDtype, ModelSpec } from '../types.js';
import { loadModelFolder } from './load-model-spec.js';
import { defaultDtype, listVariants } from './model-files.js';

export interface ModelReport {
  id: string;
  dir: string;
  modelType: ModelSpec['modelType'];
  projectionDim: number;
  imageSize: number;
  preprocess: ModelSpec['preprocess'];
  dtype: ModelDtype;
  variants: Array<{ kind: 'vision' | 'text'; dtype: ModelDtype; file: string; bytes: number }>;
  sessions: Record<'vision' | 'text', { file: string; inputs: TensorInfo[]; outputs: TensorInfo[] }>;
  logit: { scale: number; bias: number; source: string };
  tokenizer: {
    contextLength: number;
    padId: number;
    eosId: number | undefined;
    padding: 'longest' | 'max_length';
  };
}

/**
 * Everything `zeroshot model inspect` shows. Without a dtype, the one loadModelSpec picks (defaultDtype).
 * Sessions are created on CPU only to read their inputs and outputs.
 */
export async function inspectModel(dir: string, opts: { dtype?: ModelDtype } = {}): Promise<ModelReport> {
  const variants = await listVariants(path.resolve(dir));
  const dtype = opts.dtype ?? defaultDtype(variants);
  const { spec, logit } = await loadModelFolder(dir, { dtype }, variants);
  const sessions = {} as ModelReport['sessions'];
  for (const [kind, file] of [
    ['vision', spec.visionModelPath],
    ['text', spec.textModelPath],
  ] as const) {
    const { session } = await createSession(file, `${kind} model`, { providers: ['cpu'], intraOpThreads: 1 });
    try {
      sessions[kind] = {
        file,
        inputs: describeValues(session, 'inputs'),
        outputs: describeValues(session, 'outputs'),
      };
    } finally {
      await session.release();
    }
  }
  const tok = new ClipTokenizer(spec);
  return {
    id: spec.id,
    dir: spec.dir,
    modelType: spec.modelType,
    projectionDim: spec.projectionDim,
    imageSize: spec.preprocess.imageSize,
    preprocess: spec.preprocess,
    dtype,
    variants: variants.map((v) => ({
      kind: v.kind,
      dtype: v.dtype,
      file: path.relative(spec.dir, v.path),
      bytes: v.bytes,
    })),
    sessions,
    logit: { scale: logit.logitScale, bias: logit.logitBias, source: logit.source },
    tokenizer: {
      contextLength: spec.contextLength,
      padId: tok.padId,
      eosId: tok.eosId,
      padding: tok.padToContext ? 'max_length' : 'longest',
    },
  };
}
