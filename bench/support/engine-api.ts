// The core engine, loaded at run time through the contract in docs/ARCHITECTURE.md. Imported
// dynamically so the benches build (and say clearly what is missing) while the engine lands piece by piece.
import type { ExecutionProvider, ImageResult, ImageSource, ModelSpec } from '../../src/core/types.js';

export interface RuntimeOptions {
  providers?: ExecutionProvider[];
  intraOpThreads?: number;
  onWarning?: (msg: string) => void;
}

export interface VisionEncoderLike {
  readonly provider: ExecutionProvider;
  readonly imageSize: number;
  readonly dim: number;
  embed(pixels: Float32Array, count: number): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

export interface TextEncoderLike {
  readonly provider: ExecutionProvider;
  readonly dim: number;
  embed(texts: string[]): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

export interface ImagePreprocessorLike {
  preprocessInto(data: Buffer, target: Float32Array, offset: number): Promise<void>;
}

export interface ClassifierOptions {
  model?: string;
  providers?: ExecutionProvider[];
  batchSize?: number;
  maxWaitMs?: number;
  intraOpThreads?: number;
  decodeConcurrency?: number;
  maxInFlight?: number;
  resize?: 'exact' | 'fast';
}

export interface ClassifierLike {
  readonly info: { id: string; provider: ExecutionProvider; imageSize: number; projectionDim: number };
  classify(images: ImageSource[], labels: string[], opts?: Record<string, unknown>): Promise<ImageResult[]>;
  close(): Promise<void>;
}

export interface EngineApi {
  loadModelSpec(dir: string): Promise<ModelSpec>;
  VisionEncoder: { create(spec: ModelSpec, runtime?: RuntimeOptions): Promise<VisionEncoderLike> };
  TextEncoder: { create(spec: ModelSpec, runtime?: RuntimeOptions): Promise<TextEncoderLike> };
  ImagePreprocessor: new (
    config: ModelSpec['preprocess'],
    opts?: { resize?: 'exact' | 'fast' },
  ) => ImagePreprocessorLike;
  createClassifier(opts: ClassifierOptions): Promise<ClassifierLike>;
}

const MODULES = {
  loadModelSpec: '../../src/core/model/load-model-spec.js',
  VisionEncoder: '../../src/core/encoders/vision-encoder.js',
  TextEncoder: '../../src/core/encoders/text-encoder.js',
  ImagePreprocessor: '../../src/core/preprocess/image-preprocessor.js',
  createClassifier: '../../src/core/classifier.js',
} as const;

/** Loads the parts named in `need`; a part that has not landed yet is an error naming its file. */
export async function loadEngine<K extends keyof EngineApi>(need: readonly K[]): Promise<Pick<EngineApi, K>> {
  const api: Partial<EngineApi> = {};
  for (const name of need) {
    const file = MODULES[name];
    let mod: Record<string, unknown>;
    try {
      mod = (await import(new URL(file, import.meta.url).href)) as Record<string, unknown>;
    } catch (err) {
      throw new Error(`engine part ${name} is not available (${file}): ${(err as Error).message}`);
    }
    if (!(name in mod)) throw new Error(`${file} does not export ${name}`);
    (api as Record<string, unknown>)[name] = mod[name];
  }
  return api as Pick<EngineApi, K>;
}
