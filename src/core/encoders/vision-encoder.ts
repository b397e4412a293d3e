import ort from 'onnxruntime-node';
import { ModelError, UsageError } from '../errors/index.js';
import { createSession, float32ToHalf, type RuntimeOptions, runSession } from '../runtime/index.js';
import { describeValues, type TensorInfo } from '../runtime/tensor-io.js';
import type { ExecutionProvider, ModelSpec } from '../types.js';
import { declaredDim, normalizedRows, pickEmbeddingOutput } from './embedding-output.js';

/** Image encoder: CHW float32 batches in, L2-normalized embeddings out. One ORT session. */
export class VisionEncoder {
  readonly provider: ExecutionProvider;
  readonly imageSize: number;
  readonly dim: number;
  readonly inputs: TensorInfo[];
  readonly outputs: TensorInfo[];
  private readonly session: ort.InferenceSession;
  private readonly inputName: string;
  private readonly inputType: 'float32' | 'float16';
  private readonly outputName: string;
  private readonly file: string;
  private disposed = false;

  private constructor(spec: ModelSpec, session: ort.InferenceSession, provider: ExecutionProvider) {
    this.session = session;
    this.provider = provider;
    this.file = spec.visionModelPath;
    this.inputs = describeValues(session, 'inputs');
    this.outputs = describeValues(session, 'outputs');
    const input = this.inputs.find((i) => i.name === 'pixel_values') ?? this.inputs[0];
    if (!input || this.inputs.length !== 1) {
      throw new ModelError(
        'MODEL_UNSUPPORTED',
        `${this.file}: expected one image input (pixel_values) but the graph has ${this.inputs.map((i) => i.name).join(', ') || 'none'}`,
      );
    }
    if (input.type !== 'float32' && input.type !== 'float16' && input.type !== 'unknown') {
      throw new ModelError(
        'MODEL_UNSUPPORTED',
        `${this.file}: ${input.name} is ${input.type}; expected float32 or float16`,
      );
    }
    this.inputName = input.name;
    this.inputType = input.type === 'float16' ? 'float16' : 'float32';
    const side = input.shape[3];
    this.imageSize = spec.preprocess.imageSize;
    if (typeof side === 'number' && side !== this.imageSize) {
      throw new ModelError(
        'MODEL_CONFIG_INVALID',
        `${this.file} expects ${side}x${side} images but preprocessor_config.json produces ${this.imageSize}x${this.imageSize}`,
      );
    }
    this.outputName = pickEmbeddingOutput(this.outputs, 'image_embeds', this.file);
    this.dim = declaredDim(this.outputs, this.outputName) ?? spec.projectionDim;
  }

  static async create(spec: ModelSpec, runtime: RuntimeOptions = {}): Promise<VisionEncoder> {
    const { session, provider } = await createSession(spec.visionModelPath, 'vision model', runtime);
    let encoder: VisionEncoder;
    try {
      encoder = new VisionEncoder(spec, session, provider);
      // Warm-up: the first run allocates arenas and (on CUDA) picks kernels; keep that off the first batch.
      await encoder.embed(new Float32Array(3 * encoder.imageSize * encoder.imageSize), 1);
    } catch (err) {
      await session.release().catch(() => {});
      throw err;
    }
    return encoder;
  }

  /** Floats per image in the batch tensor (3 × size × size). */
  get imageLength(): number {
    return 3 * this.imageSize * this.imageSize;
  }

  /** `pixels` holds at least `count` CHW images back to back (a preallocated batch may be longer). */
  async embed(pixels: Float32Array, count: number): Promise<Float32Array[]> {
    if (this.disposed) throw new ModelError('INFERENCE_FAILED', 'the vision encoder was disposed');
    if (!Number.isInteger(count) || count < 1) {
      throw new UsageError('INVALID_OPTION', `Expected a positive integer for count but received ${count}`);
    }
    const needed = count * this.imageLength;
    if (pixels.length < needed) {
      throw new UsageError(
        'INVALID_OPTION',
        `pixels holds ${pixels.length} floats, fewer than ${count} images of 3x${this.imageSize}x${this.imageSize} (${needed})`,
      );
    }
    const view = pixels.length === needed ? pixels : pixels.subarray(0, needed);
    const dims = [count, 3, this.imageSize, this.imageSize];
    const tensor =
      this.inputType === 'float16'
        ? new ort.Tensor('float16', float32ToHalf(view), dims)
        : new ort.Tensor('float32', view, dims);
    // Fetch only the embedding: the graph's other outputs (last_hidden_state: batch × 50 × 768 floats for
    // ViT-B/32) would be copied out of the device for nothing.
    const out = await runSession(this.session, { [this.inputName]: tensor }, `vision model ${this.file}`, [
      this.outputName,
    ]);
    return normalizedRows(out[this.outputName]!, count, 'vision model');
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
  }
}
