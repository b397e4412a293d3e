import ort from 'onnxruntime-node';
import { ModelError, UsageError } from '../errors/index.js';
import { createSession, type RuntimeOptions, runSession } from '../runtime/index.js';
import { describeValues, type TensorInfo } from '../runtime/tensor-io.js';
import { ClipTokenizer } from '../tokenizer/index.js';
import type { ExecutionProvider, ModelSpec } from '../types.js';
import { declaredDim, normalizedRows, pickEmbeddingOutput } from './embedding-output.js';

/** Texts per ORT run: bounds memory for huge label × template sets while keeping matmuls large. */
const TEXT_BATCH = 64;

type IntType = 'int64' | 'int32';
const KNOWN_INPUTS = ['input_ids', 'attention_mask', 'position_ids'];

function intTensor(type: IntType, rows: number[][], seqLen: number): ort.Tensor {
  const dims = [rows.length, seqLen];
  if (type === 'int64') {
    const data = new BigInt64Array(rows.length * seqLen);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      for (let c = 0; c < row.length; c++) data[r * seqLen + c] = BigInt(row[c]!);
    }
    return new ort.Tensor('int64', data, dims);
  }
  const data = new Int32Array(rows.length * seqLen);
  for (let r = 0; r < rows.length; r++) data.set(rows[r]!, r * seqLen);
  return new ort.Tensor('int32', data, dims);
}

/** Text encoder: tokenizes, runs the text graph, returns L2-normalized embeddings. One ORT session. */
export class TextEncoder {
  readonly provider: ExecutionProvider;
  readonly dim: number;
  readonly tokenizer: ClipTokenizer;
  readonly inputs: TensorInfo[];
  readonly outputs: TensorInfo[];
  private readonly session: ort.InferenceSession;
  private readonly idsType: IntType;
  private readonly maskType: IntType | undefined;
  private readonly positionsType: IntType | undefined;
  private readonly outputName: string;
  private readonly file: string;
  private disposed = false;

  private constructor(
    spec: ModelSpec,
    session: ort.InferenceSession,
    provider: ExecutionProvider,
    runtime: RuntimeOptions,
  ) {
    this.session = session;
    this.provider = provider;
    this.file = spec.textModelPath;
    this.inputs = describeValues(session, 'inputs');
    this.outputs = describeValues(session, 'outputs');
    const typeOf = (name: string): IntType | undefined => {
      const info = this.inputs.find((i) => i.name === name);
      if (!info) return undefined;
      if (info.type === 'int64' || info.type === 'unknown') return 'int64';
      if (info.type === 'int32') return 'int32';
      throw new ModelError(
        'MODEL_UNSUPPORTED',
        `${this.file}: input ${name} is ${info.type}; expected int64 or int32`,
      );
    };
    const unknown = this.inputs.filter((i) => !KNOWN_INPUTS.includes(i.name)).map((i) => i.name);
    const ids = typeOf('input_ids');
    if (!ids || unknown.length > 0) {
      throw new ModelError(
        'MODEL_UNSUPPORTED',
        `${this.file}: expected inputs input_ids [, attention_mask, position_ids] but the graph has ${this.inputs.map((i) => i.name).join(', ')}`,
      );
    }
    this.idsType = ids;
    this.maskType = typeOf('attention_mask');
    this.positionsType = typeOf('position_ids');
    this.outputName = pickEmbeddingOutput(this.outputs, 'text_embeds', this.file);
    this.dim = declaredDim(this.outputs, this.outputName) ?? spec.projectionDim;
    this.tokenizer = new ClipTokenizer(spec, runtime.onWarning ? { onWarning: runtime.onWarning } : {});
  }

  static async create(spec: ModelSpec, runtime: RuntimeOptions = {}): Promise<TextEncoder> {
    const { session, provider } = await createSession(spec.textModelPath, 'text model', runtime);
    let encoder: TextEncoder;
    try {
      encoder = new TextEncoder(spec, session, provider, runtime);
      await encoder.embed(['a photo']); // warm-up
    } catch (err) {
      await session.release().catch(() => {});
      throw err;
    }
    return encoder;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    if (this.disposed) throw new ModelError('INFERENCE_FAILED', 'the text encoder was disposed');
    if (!Array.isArray(texts) || texts.some((t) => typeof t !== 'string')) {
      throw new UsageError('INVALID_OPTION', 'Expected an array of strings for texts');
    }
    const out = new Array<Float32Array>(texts.length);
    // Similar lengths share a batch, so padding to the longest wastes little.
    const encoded = texts.map((t, i) => ({ i, ids: this.tokenizer.encode(t) }));
    encoded.sort((a, b) => a.ids.length - b.ids.length);
    for (let start = 0; start < encoded.length; start += TEXT_BATCH) {
      const slice = encoded.slice(start, start + TEXT_BATCH);
      const rows = await this.runBatch(slice.map((e) => e.ids));
      for (let k = 0; k < slice.length; k++) out[slice[k]!.i] = rows[k]!;
    }
    return out;
  }

  private async runBatch(rows: number[][]): Promise<Float32Array[]> {
    const { ids, attentionMask, seqLen } = this.tokenizer.padBatch(rows);
    const feeds: Record<string, ort.Tensor> = { input_ids: intTensor(this.idsType, ids, seqLen) };
    if (this.maskType) feeds.attention_mask = intTensor(this.maskType, attentionMask, seqLen);
    if (this.positionsType) {
      const positions = Array.from({ length: seqLen }, (_, k) => k);
      feeds.position_ids = intTensor(
        this.positionsType,
        ids.map(() => positions),
        seqLen,
      );
    }
    const out = await runSession(this.session, feeds, `text model ${this.file}`, [this.outputName]);
    return normalizedRows(out[this.outputName]!, rows.length, 'text model');
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
  }
}
