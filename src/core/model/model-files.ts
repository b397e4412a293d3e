import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ModelError } from '../errors/index.js';
import type { ModelDtype } from '../types.js';
import { dtypeOfFile, type EncoderKind, isExternalData, MODEL_DTYPES, modelFileName } from './dtype.js';

/** Encoder files live in `onnx/` (transformers.js layout) or, failing that, at the top of the directory. */
const ONNX_SUBDIRS = ['onnx', '.'];

export interface VariantFile {
  kind: EncoderKind;
  dtype: ModelDtype;
  path: string;
  bytes: number;
}

/** Every `{vision,text}_model<suffix>.onnx` present, with its size (external-data files included). */
export async function listVariants(dir: string): Promise<VariantFile[]> {
  const out: VariantFile[] = [];
  for (const sub of ONNX_SUBDIRS) {
    const folder = path.join(dir, sub);
    let names: string[];
    try {
      names = await readdir(folder);
    } catch {
      continue;
    }
    for (const name of names.sort()) {
      for (const kind of ['vision', 'text'] as const) {
        const dtype = dtypeOfFile(kind, name);
        if (!dtype || out.some((v) => v.kind === kind && v.dtype === dtype)) continue;
        const file = path.join(folder, name);
        let bytes = (await stat(file)).size;
        // External weights: `<name>_data`, `<name>.data` or `<name>_data_N` beside the graph.
        for (const other of names) {
          if (isExternalData(name, other)) {
            bytes += (await stat(path.join(folder, other))).size;
          }
        }
        out.push({ kind, dtype, path: file, bytes });
      }
    }
  }
  return out;
}

/**
 * The weights used when no dtype is asked for: fp32 when both encoders have it, else the first variant
 * (in MODEL_DTYPES order: fp16, q8, ...) that both have, so a directory holding only the fp16 graphs (as
 * `npm run demo` pulls them) loads without --dtype. fp32 when nothing fits (its error lists what is there).
 */
export function defaultDtype(variants: VariantFile[]): ModelDtype {
  const both = (d: ModelDtype) =>
    variants.some((v) => v.kind === 'vision' && v.dtype === d) &&
    variants.some((v) => v.kind === 'text' && v.dtype === d);
  return MODEL_DTYPES.find(both) ?? 'fp32';
}

/**
 * Path of one encoder's graph for a dtype. Missing: MODEL_UNSUPPORTED listing the variants that are
 * there, or MODEL_FILE_MISSING when there is none at all. `variants`: a listVariants(dir) already made.
 */
export async function encoderPath(
  dir: string,
  kind: EncoderKind,
  dtype: ModelDtype,
  variants?: VariantFile[],
): Promise<string> {
  return pickEncoder(dir, kind, dtype, variants ?? (await listVariants(dir)));
}

function pickEncoder(dir: string, kind: EncoderKind, dtype: ModelDtype, variants: VariantFile[]): string {
  const hit = variants.find((v) => v.kind === kind && v.dtype === dtype);
  if (hit) return hit.path;
  const expected = path.join(dir, 'onnx', modelFileName(kind, dtype));
  const present = variants.filter((v) => v.kind === kind).map((v) => `${v.dtype} (${path.basename(v.path)})`);
  if (present.length > 0) {
    throw new ModelError(
      'MODEL_UNSUPPORTED',
      `${kind} model for dtype ${dtype} not found: ${expected}; dtype variants present: ${present.join(', ')}`,
    );
  }
  throw new ModelError('MODEL_FILE_MISSING', `${kind} model not found: ${expected}`);
}
