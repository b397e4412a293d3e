import { UsageError } from '../errors/index.js';
import type { ModelDtype } from '../types.js';

/** File-name suffix of each weight variant in the transformers.js layout (`onnx/vision_model<suffix>.onnx`). */
export const DTYPE_SUFFIX: Readonly<Record<ModelDtype, string>> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
};

export const MODEL_DTYPES = Object.keys(DTYPE_SUFFIX) as ModelDtype[];

export type EncoderKind = 'vision' | 'text';

/** `vision_model_fp16.onnx` and the like. */
export function modelFileName(kind: EncoderKind, dtype: ModelDtype): string {
  return `${kind}_model${DTYPE_SUFFIX[dtype]}.onnx`;
}

/** The dtype a file name stands for, or undefined when it is not an encoder file of that kind. */
export function dtypeOfFile(kind: EncoderKind, fileName: string): ModelDtype | undefined {
  return MODEL_DTYPES.find((d) => fileName === modelFileName(kind, d));
}

/** Is `candidate` an external-data file of the graph `graph` (`x.onnx_data`, `x.onnx.data`, `x.onnx_data_1`)? */
export function isExternalData(graph: string, candidate: string): boolean {
  return (
    candidate !== graph && candidate.startsWith(graph) && /^[._]data/.test(candidate.slice(graph.length))
  );
}

export function parseDtype(value: unknown, option = 'dtype'): ModelDtype {
  if (typeof value === 'string' && (MODEL_DTYPES as string[]).includes(value)) return value as ModelDtype;
  throw new UsageError(
    'INVALID_OPTION',
    `Expected one of ${MODEL_DTYPES.join(', ')} for ${option} but received ${JSON.stringify(value)}`,
  );
}
