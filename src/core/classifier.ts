import { TextEncoder, VisionEncoder } from './encoders/index.js';
import { type ErrorInfo, ImageError, ModelError, toErrorInfo, UsageError } from './errors/index.js';
import { type HttpSourcePolicy, imageName, parseHttpSources, readImageSource } from './io/index.js';
import { listVariants, loadModelSpec, parseDtype, resolveModelDir } from './model/index.js';
import { DEFAULT_BATCH_SIZE, positiveInt, resolveBatcherOptions } from './pipeline/batcher-options.js';
import {
  type BatchEvent,
  forEachConcurrent,
  ImageEmbeddingBatcher,
  mapConcurrent,
} from './pipeline/index.js';
import {
  DecodeBudget,
  type IccProfiles,
  type ImageLimits,
  ImagePreprocessor,
  type ResizeMode,
  resolveImageLimits,
  validateIccProfiles,
  validateResizeMode,
} from './preprocess/index.js';
import {
  cudaProviderInstalled,
  type RuntimeOptions,
  resolveIntraOpThreads,
  validateProviders,
} from './runtime/index.js';
import {
  type LabelCacheStats,
  LabelEmbedder,
  resolveTemplates,
  scoreLabels,
  validateLabels,
  validateScoreOptions,
} from './scoring/index.js';
import type {
  ClassifyOptions,
  ExecutionProvider,
  ImageResult,
  ImageSource,
  LabelScore,
  ModelDtype,
  ModelSpec,
  ModelType,
  ScoreOptions,
  TemplateOptions,
} from './types.js';

export interface ClassifierOptions {
  /** Model directory (or cached hub id); default: `ZEROSHOT_MODEL`, then the cache (see resolveModelDir). */
  model?: string;
  /** Execution providers in preference order (default cuda, then cpu with one warning). */
  providers?: ExecutionProvider[];
  /** Weight variant (default fp32). */
  dtype?: ModelDtype;
  /** Images per vision-encoder run (default 16). */
  batchSize?: number;
  /** A partly filled batch waits at most this long (default 20 ms). */
  maxWaitMs?: number;
  /** Images read/decoded/embedded at once; more wait (default 4 × batchSize). */
  maxInFlight?: number;
  /** Images decoded in parallel (default: the number of cores). */
  decodeConcurrency?: number;
  /** ORT intra-op threads (default `ZEROSHOT_INTRA_OP_THREADS`, else the number of cores). */
  intraOpThreads?: number;
  /** `exact` (default, matches the HF reference) or `fast` (JPEG shrink-on-load). */
  resize?: ResizeMode;
  /** `ignore` (default, as Pillow and the HF reference) or `convert` embedded ICC profiles to sRGB. */
  iccProfiles?: IccProfiles;
  /**
   * Bytes that concurrent decodes may hold at once, counted from each image header as width × height ×
   * channels × bytes per sample (default 1 GiB); an image needing more than all of it is an ImageError.
   */
  decodeMemoryBytes?: number;
  limits?: Partial<ImageLimits>;
  /** Deadline for downloading http(s) images (default 30 s). */
  fetchTimeoutMs?: number;
  /**
   * Which http(s) image hosts may be fetched (default OPEN_HTTP_SOURCES: any, as curl would). Services that
   * classify URLs given by others should pass an allow-list: `{ allowHosts: ['images.example.com'] }`.
   */
  httpSources?: HttpSourcePolicy;
  /** Labels kept in the text-embedding LRU (default 10,000). */
  textCacheSize?: number;
  /** One-off warnings (CUDA fallback, label truncated to 77 tokens); default process.emitWarning. */
  onWarning?: (msg: string) => void;
  /** Called after every vision-encoder batch (metrics). */
  onBatch?: (event: BatchEvent) => void;
  env?: NodeJS.ProcessEnv;
}

export interface ClassifierInfo {
  id: string;
  dir: string;
  modelType: ModelType;
  dtype: ModelDtype;
  provider: ExecutionProvider;
  projectionDim: number;
  imageSize: number;
  logitScale: number;
  logitBias: number;
}

export interface Classifier {
  readonly info: ClassifierInfo;
  /** Per image, in input order: labels sorted by score, or `{ image, error }`; bad images do not stop the rest. */
  classify(images: ImageSource[], labels: string[], opts?: ClassifyOptions): Promise<ImageResult[]>;
  /**
   * Like classify, but hands each result to `onResult` as soon as it is scored (completion order, with its
   * input index) and keeps none of them: for any number of images (`zeroshot classify --jsonl`).
   */
  classifyEach(
    images: ImageSource[],
    labels: string[],
    onResult: (result: ImageResult, index: number) => void | Promise<void>,
    opts?: ClassifyOptions,
  ): Promise<void>;
  embedImages(images: ImageSource[]): Promise<Array<Float32Array | ErrorInfo>>;
  /** One encoded image through the shared micro-batcher. Rejects with ImageError for a bad image. */
  embedImage(data: Buffer): Promise<Float32Array>;
  /** Label embeddings (template ensemble averaged), cached per model, templates and label. */
  embedTexts(labels: string[], opts?: TemplateOptions): Promise<Float32Array[]>;
  score(
    image: Float32Array,
    labelEmbeddings: Float32Array[],
    labels: string[],
    opts?: ScoreOptions,
  ): LabelScore[];
  /** Images in flight in the batcher and text-embedding cache counters. */
  stats(): { imagesInFlight: number; textCache: LabelCacheStats };
  close(): Promise<void>;
}

/** Loads the model (resolution order of resolveModelDir), warms both encoders and returns a Classifier. */
export async function createClassifier(opts: ClassifierOptions = {}): Promise<Classifier> {
  validateClassifierOptions(opts);
  const dir = await resolveModelDir({ model: opts.model, env: opts.env });
  const runtime: RuntimeOptions = {
    providers: opts.providers,
    intraOpThreads: opts.intraOpThreads,
    onWarning: opts.onWarning,
  };
  // fp16 graphs by default where CUDA will run them (tensor cores, half the memory traffic); if CUDA then
  // fails to start, the model is opened again with its default graphs for the CPU.
  const autoFp16 = opts.dtype === undefined && (await prefersFp16(dir, opts.providers));
  let opened = await openModel(dir, autoFp16 ? 'fp16' : opts.dtype, runtime, opts);
  if (autoFp16 && opened.vision.provider !== 'cuda') {
    await opened.vision.dispose();
    await opened.text.dispose();
    opened = await openModel(dir, undefined, runtime, opts);
  }
  const { spec, pre, vision, text } = opened;
  try {
    const batcher = new ImageEmbeddingBatcher(pre, vision, {
      batchSize: opts.batchSize ?? defaultBatchSize(vision.provider),
      maxWaitMs: opts.maxWaitMs,
      maxInFlight: opts.maxInFlight,
      decodeConcurrency: opts.decodeConcurrency,
      onBatch: opts.onBatch,
    });
    const labels = new LabelEmbedder(text, { modelId: spec.id, cacheSize: opts.textCacheSize });
    const info: ClassifierInfo = Object.freeze({
      id: spec.id,
      dir: spec.dir,
      modelType: spec.modelType,
      dtype: spec.dtype,
      provider: vision.provider,
      projectionDim: vision.dim,
      imageSize: spec.preprocess.imageSize,
      logitScale: spec.logitScale,
      logitBias: spec.logitBias,
    });
    return new EngineClassifier(info, pre, batcher, labels, vision, text, opts);
  } catch (err) {
    await vision.dispose();
    await text.dispose();
    throw err;
  }
}

/** Images per vision run unless told: 16 on CPU (measured: 8–16 equal, 32 slower), 64 on CUDA. */
export function defaultBatchSize(provider: ExecutionProvider): number {
  return provider === 'cuda' ? DEFAULT_CUDA_BATCH_SIZE : DEFAULT_BATCH_SIZE;
}

export const DEFAULT_CUDA_BATCH_SIZE = 64;

/** CUDA first in the provider list, its libraries installed, and fp16 graphs for both encoders. */
async function prefersFp16(dir: string, providers: ExecutionProvider[] | undefined): Promise<boolean> {
  if (validateProviders(providers)[0] !== 'cuda' || !cudaProviderInstalled().installed) return false;
  const variants = await listVariants(dir);
  return ['vision', 'text'].every((kind) => variants.some((v) => v.kind === kind && v.dtype === 'fp16'));
}

interface OpenedModel {
  spec: ModelSpec;
  pre: ImagePreprocessor;
  vision: VisionEncoder;
  text: TextEncoder;
}

async function openModel(
  dir: string,
  dtype: ModelDtype | undefined,
  runtime: RuntimeOptions,
  opts: ClassifierOptions,
): Promise<OpenedModel> {
  const spec = await loadModelSpec(dir, { dtype });
  // Validate cheap options before the (slow) sessions are created.
  const pre = new ImagePreprocessor(spec.preprocess, {
    limits: opts.limits,
    resize: opts.resize,
    iccProfiles: opts.iccProfiles,
    decodeMemory: opts.decodeMemoryBytes,
  });
  const [vision, text] = await Promise.allSettled([
    VisionEncoder.create(spec, runtime),
    TextEncoder.create(spec, runtime),
  ]);
  if (vision.status === 'rejected' || text.status === 'rejected') {
    if (vision.status === 'fulfilled') await vision.value.dispose();
    if (text.status === 'fulfilled') await text.value.dispose();
    throw (vision.status === 'rejected' ? vision.reason : (text as PromiseRejectedResult).reason) as Error;
  }
  return { spec, pre, vision: vision.value, text: text.value };
}

class EngineClassifier implements Classifier {
  private closed = false;
  private readonly maxBytes: number;

  constructor(
    readonly info: ClassifierInfo,
    pre: ImagePreprocessor,
    private readonly batcher: ImageEmbeddingBatcher,
    private readonly labels: LabelEmbedder,
    private readonly vision: VisionEncoder,
    private readonly text: TextEncoder,
    private readonly opts: ClassifierOptions,
  ) {
    this.maxBytes = pre.limits.maxBytes;
  }

  async classify(
    images: ImageSource[],
    labels: string[],
    opts: ClassifyOptions = {},
  ): Promise<ImageResult[]> {
    const out = new Array<ImageResult>(images.length);
    await this.classifyEach(
      images,
      labels,
      (r, i) => {
        out[i] = r;
      },
      opts,
    );
    return out;
  }

  async classifyEach(
    images: ImageSource[],
    labels: string[],
    onResult: (result: ImageResult, index: number) => void | Promise<void>,
    opts: ClassifyOptions = {},
  ): Promise<void> {
    this.assertOpen();
    assertImageList(images);
    const clean = validateLabels(labels);
    const templates = resolveTemplates(opts);
    validateScoreOptions(opts);
    // Labels are encoded while the first images decode; a text-encoder failure fails the whole call.
    const labelEmbeddings = this.labels.embedLabels(clean, templates);
    labelEmbeddings.catch(() => {});
    await forEachConcurrent(images, this.batcher.options.maxInFlight, async (source, i) => {
      const image = imageName(source, i);
      const emb = await this.embedOne(source);
      const textEmbs = await labelEmbeddings;
      await onResult(
        emb instanceof Float32Array
          ? { image, labels: this.score(emb, textEmbs, clean, opts) }
          : { image, error: emb },
        i,
      );
    });
    await labelEmbeddings;
  }

  async embedImages(images: ImageSource[]): Promise<Array<Float32Array | ErrorInfo>> {
    this.assertOpen();
    assertImageList(images);
    return mapConcurrent(images, this.batcher.options.maxInFlight, (source) => this.embedOne(source));
  }

  private async embedOne(source: ImageSource): Promise<Float32Array | ErrorInfo> {
    try {
      const data = await readImageSource(source, {
        maxBytes: this.maxBytes,
        fetchTimeoutMs: this.opts.fetchTimeoutMs,
        ...(this.opts.httpSources ? { httpSources: this.opts.httpSources } : {}),
      });
      return await this.batcher.embed(data);
    } catch (err) {
      return toErrorInfo(err);
    }
  }

  embedImage(data: Buffer): Promise<Float32Array> {
    this.assertOpen();
    if (!Buffer.isBuffer(data)) {
      return Promise.reject(
        new ImageError('IMAGE_UNSUPPORTED_FORMAT', 'embedImage expects the image bytes as a Buffer'),
      );
    }
    return this.batcher.embed(data);
  }

  async embedTexts(labels: string[], opts: TemplateOptions = {}): Promise<Float32Array[]> {
    this.assertOpen();
    return this.labels.embedLabels(validateLabels(labels), resolveTemplates(opts));
  }

  score(
    image: Float32Array,
    labelEmbeddings: Float32Array[],
    labels: string[],
    opts: ScoreOptions = {},
  ): LabelScore[] {
    return scoreLabels(image, labelEmbeddings, labels, {
      ...opts,
      logitScale: this.info.logitScale,
      logitBias: this.info.logitBias,
      modelType: this.info.modelType,
    });
  }

  stats() {
    return { imagesInFlight: this.batcher.inFlight, textCache: this.labels.stats() };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.batcher.close();
    await Promise.all([this.vision.dispose(), this.text.dispose()]);
  }

  private assertOpen(): void {
    if (this.closed) throw new ModelError('INFERENCE_FAILED', 'the classifier is closed');
  }
}

/** Cheap checks before the model loads, so a typo fails in milliseconds, naming the option. */
function validateClassifierOptions(opts: ClassifierOptions): void {
  if (opts === null || typeof opts !== 'object') {
    throw new UsageError('INVALID_OPTION', 'createClassifier options must be an object');
  }
  if (opts.model !== undefined && typeof opts.model !== 'string') {
    throw new UsageError(
      'INVALID_OPTION',
      `model must be a directory path or hub id, got ${typeof opts.model}`,
    );
  }
  validateProviders(opts.providers);
  if (opts.dtype !== undefined) parseDtype(opts.dtype);
  if (opts.intraOpThreads !== undefined) resolveIntraOpThreads(opts.intraOpThreads);
  resolveBatcherOptions(opts, 1);
  resolveImageLimits(opts.limits);
  validateResizeMode(opts.resize);
  validateIccProfiles(opts.iccProfiles);
  if (opts.decodeMemoryBytes !== undefined) new DecodeBudget(opts.decodeMemoryBytes);
  if (opts.httpSources !== undefined)
    parseHttpSources(opts.httpSources.allowHosts ?? [], 'httpSources.allowHosts');
  for (const [name, max] of [
    ['fetchTimeoutMs', 3_600_000],
    ['textCacheSize', 10_000_000],
  ] as const) {
    if (opts[name] !== undefined) positiveInt(name, opts[name], max);
  }
}

function assertImageList(images: unknown): asserts images is ImageSource[] {
  if (!Array.isArray(images)) {
    throw new UsageError('INVALID_OPTION', 'images must be an array of paths, URLs or Buffers');
  }
}
