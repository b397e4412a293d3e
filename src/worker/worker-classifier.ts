import type {
  ExecutionProvider,
  LabelScore,
  ModelDtype,
  ScoreOptions,
  TemplateOptions,
} from '../core/types.js';

/**
 * The part of the engine's `Classifier` (src/core/classifier.ts) the worker uses. Declared structurally so
 * the worker depends on the contract, not on the engine's internals.
 */
export interface WorkerClassifier {
  readonly info: {
    id: string;
    dir: string;
    dtype: ModelDtype;
    provider: ExecutionProvider;
    logitScale: number;
    logitBias: number;
  };
  embedImage(data: Buffer): Promise<Float32Array>;
  embedTexts(labels: string[], opts?: TemplateOptions): Promise<Float32Array[]>;
  score(
    image: Float32Array,
    labelEmbeddings: Float32Array[],
    labels: string[],
    opts?: ScoreOptions,
  ): LabelScore[];
  close(): Promise<void>;
}
