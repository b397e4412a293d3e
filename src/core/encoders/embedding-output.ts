import type ort from 'onnxruntime-node';
import { ModelError } from '../errors/index.js';
import { halfToFloat32 } from '../runtime/index.js';
import type { TensorInfo } from '../runtime/tensor-io.js';
import { l2Normalized } from './normalize.js';

/**
 * Picks the embedding output among the session's `outputs` (describeValues): `preferred`
 * (image_embeds/text_embeds), else a pooled output, else a 2-D output.
 */
export function pickEmbeddingOutput(outputs: TensorInfo[], preferred: string, file: string): string {
  const byName = (n: string) => outputs.find((o) => o.name === n)?.name;
  const twoD = outputs.find((o) => o.shape.length === 2)?.name;
  const name = byName(preferred) ?? byName('pooler_output') ?? byName('pooled_output') ?? twoD;
  if (!name) {
    throw new ModelError(
      'MODEL_UNSUPPORTED',
      `${file} has no ${preferred} or pooled output (outputs: ${outputs.map((o) => o.name).join(', ')})`,
    );
  }
  return name;
}

/** The declared embedding width of an output, when the graph states it. */
export function declaredDim(outputs: TensorInfo[], output: string): number | undefined {
  const shape = outputs.find((o) => o.name === output)?.shape;
  const last = shape?.[shape.length - 1];
  return typeof last === 'number' && last > 0 ? last : undefined;
}

/** Splits a [count, dim] output tensor into L2-normalized float32 rows. */
export function normalizedRows(tensor: ort.Tensor, count: number, what: string): Float32Array[] {
  if (tensor.dims.length !== 2 || tensor.dims[0] !== count) {
    throw new ModelError(
      'INFERENCE_FAILED',
      `${what} returned shape [${tensor.dims.join(', ')}], expected [${count}, dim]`,
    );
  }
  const dim = tensor.dims[1]!;
  const data =
    tensor.type === 'float16' ? halfToFloat32(tensor.data as Uint16Array) : (tensor.data as Float32Array);
  const rows: Float32Array[] = [];
  for (let i = 0; i < count; i++) rows.push(l2Normalized(data, i * dim, dim));
  return rows;
}
