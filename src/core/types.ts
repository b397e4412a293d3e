import type { ErrorInfo } from './errors/index.js';

/** ONNX Runtime execution providers zeroshot knows how to configure, in preference order. */
export type ExecutionProvider = 'cuda' | 'cpu';

/**
 * Weight variants of the transformers.js ONNX layout: `fp32` → `onnx/vision_model.onnx`,
 * `fp16` → `vision_model_fp16.onnx`, `q8` → `vision_model_quantized.onnx`, and so on.
 */
export type ModelDtype = 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'q4f16' | 'bnb4';

export type ModelType = 'clip' | 'siglip';

/** softmax: one label per image (CLIP); sigmoid: independent scores (SigLIP); multilabel: sigmoid/softmax + threshold. */
export type ScoreMode = 'softmax' | 'sigmoid' | 'multilabel';

/** Preprocessing recipe read from `preprocessor_config.json`. */
export interface PreprocessConfig {
  /** Shortest edge is resized to this many pixels (CLIP) ... */
  shortestEdge?: number;
  /** ... or the image is resized to exactly this size (SigLIP). */
  resizeTo?: { width: number; height: number };
  crop?: { width: number; height: number };
  rescaleFactor: number;
  mean: [number, number, number];
  std: [number, number, number];
  /** Final tensor side, the model's input size. */
  imageSize: number;
}

/** Everything read (and validated) from a model directory. Pure data: no sessions yet. */
export interface ModelSpec {
  /** Stable id used in cache keys and results: `_name_or_path` of config.json, else the directory name. */
  id: string;
  dir: string;
  modelType: ModelType;
  projectionDim: number;
  dtype: ModelDtype;
  visionModelPath: string;
  textModelPath: string;
  preprocess: PreprocessConfig;
  /** Parsed tokenizer.json and tokenizer_config.json. */
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  contextLength: number;
  /** Multiplier of the cosine similarity (CLIP: 100). */
  logitScale: number;
  /** Added after scaling (SigLIP); 0 for CLIP. */
  logitBias: number;
}

export interface LabelScore {
  label: string;
  score: number;
}

export type ImageSource = string | Buffer | URL;

/** Per image: either its labels sorted by descending score, or a specific error. */
export type ImageResult = { image: string; labels: LabelScore[] } | { image: string; error: ErrorInfo };

export interface ScoreOptions {
  mode?: ScoreMode;
  /** Keep the k best labels (default: all). */
  topK?: number;
  /** multilabel mode: keep labels whose score ≥ threshold (default 0.5). */
  threshold?: number;
}

export interface TemplateOptions {
  /** One or more hypothesis templates containing `{}`; several are averaged (prompt ensemble). */
  templates?: string[];
  /** Named template preset, e.g. `imagenet80` (CLIP paper's 80 templates). */
  ensemble?: string;
}

export type ClassifyOptions = ScoreOptions & TemplateOptions;
