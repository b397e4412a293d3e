import sharp, { type Metadata, type OutputInfo, type Sharp } from 'sharp';
import { ImageError, UsageError } from '../errors/index.js';
import type { PreprocessConfig } from '../types.js';
import { DecodeBudget, decodeCost } from './decode-budget.js';
import { decodeError } from './decode-error.js';
import { type ImageLimits, resolveImageLimits } from './image-limits.js';
import { buildNormalizeTables, type NormalizeTables, writeChw } from './normalize.js';
import { pilBicubicResize } from './pil-resample.js';
import { planResize, type ResizePlan } from './resize-plan.js';
import { configureSharp } from './sharp-setup.js';

/**
 * `exact` (default): bicubic without JPEG shrink-on-load; matches the Hugging Face/PIL reference tensors
 * with a mean absolute error of ≈0.0029 (worst of the 13 golden images ≈0.0038).
 * `fast`: lets libjpeg/libwebp shrink on load before the bicubic pass: ≈1.3× faster on a 12 MP JPEG
 * (19 vs 25 ms), no gain below a 2× downscale; mean error ≈0.0044 but up to ≈0.021 on a single golden
 * image (moiré on fine texture). Measured with sharp 0.35.5 (libvips 8.18) on the 2-core dev box.
 */
export type ResizeMode = 'exact' | 'fast';

export function validateResizeMode(value: unknown = 'exact'): ResizeMode {
  if (value !== 'exact' && value !== 'fast') {
    throw new UsageError('INVALID_OPTION', `resize must be 'exact' or 'fast', got ${String(value)}`);
  }
  return value;
}

/**
 * `ignore` (default): embedded ICC profiles are ignored and the pixels are read as sRGB, as Pillow (and so
 * transformers' processors, and CLIP's training) does. `convert`: pixels are converted from the embedded
 * profile to sRGB (colour-accurate, but up to 0.04 mean error against the reference on such photos).
 */
export type IccProfiles = 'ignore' | 'convert';

export function validateIccProfiles(value: unknown = 'ignore'): IccProfiles {
  if (value !== 'ignore' && value !== 'convert') {
    throw new UsageError('INVALID_OPTION', `iccProfiles must be 'ignore' or 'convert', got ${String(value)}`);
  }
  return value;
}

export interface ImagePreprocessorOptions {
  limits?: Partial<ImageLimits>;
  resize?: ResizeMode;
  iccProfiles?: IccProfiles;
  /**
   * Bytes that concurrent decodes of this preprocessor may hold at once, counted from each header as
   * width × height × channels × bytes per sample (default 1 GiB); or a budget shared with other preprocessors.
   */
  decodeMemory?: number | DecodeBudget;
}

/** Formats we decode. SVG and PDF are refused: they can reference external files and URLs. */
const ALLOWED_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff', 'heif', 'avif', 'jp2']);

/** A longer-than-this resized image (vs. the crop) is cropped in the source first: 500:1 panoramas. */
const MAX_RESIZE_OVER_CROP = 16;

const DECODE_TIMEOUT_SECONDS = 30;

/** sharp decode → EXIF orientation → resize → centre crop → normalize, straight into a batch tensor. */
export class ImagePreprocessor {
  readonly config: PreprocessConfig;
  readonly limits: ImageLimits;
  readonly resize: ResizeMode;
  readonly iccProfiles: IccProfiles;
  readonly budget: DecodeBudget;
  /** Floats one image occupies in a batch tensor (3 × size × size). */
  readonly floatsPerImage: number;
  private readonly tables: NormalizeTables;
  private readonly outWidth: number;
  private readonly outHeight: number;

  constructor(config: PreprocessConfig, opts: ImagePreprocessorOptions = {}) {
    const resize = validateResizeMode(opts.resize);
    configureSharp();
    this.config = config;
    this.limits = resolveImageLimits(opts.limits);
    this.resize = resize;
    this.iccProfiles = validateIccProfiles(opts.iccProfiles);
    this.budget =
      opts.decodeMemory instanceof DecodeBudget ? opts.decodeMemory : new DecodeBudget(opts.decodeMemory);
    this.tables = buildNormalizeTables(config);
    const probe = planResize(config, config.imageSize, config.imageSize);
    this.outWidth = probe.crop.width;
    this.outHeight = probe.crop.height;
    if (this.outWidth !== config.imageSize || this.outHeight !== config.imageSize) {
      throw new UsageError(
        'INVALID_OPTION',
        `preprocessing yields ${this.outWidth}×${this.outHeight} but the model expects ${config.imageSize}×${config.imageSize}`,
      );
    }
    this.floatsPerImage = 3 * this.outWidth * this.outHeight;
  }

  /** Decodes `data` and writes its normalized CHW pixels at `target[offset ...]`. Throws ImageError. */
  async preprocessInto(data: Buffer, target: Float32Array, offset: number): Promise<void> {
    const rgb = await this.decode(data);
    writeChw(rgb, this.outWidth * this.outHeight, this.tables, target, offset);
  }

  /** Convenience for tests and one-off use: a fresh `3 × size × size` tensor. */
  async preprocess(data: Buffer): Promise<Float32Array> {
    const out = new Float32Array(this.floatsPerImage);
    await this.preprocessInto(data, out, 0);
    return out;
  }

  /** Decoded, resized, cropped interleaved RGB bytes (HWC). */
  async decode(data: Buffer): Promise<Buffer> {
    if (data.length === 0) throw new ImageError('IMAGE_EMPTY', 'the image has zero bytes');
    if (data.length > this.limits.maxBytes) {
      throw new ImageError(
        'IMAGE_TOO_LARGE',
        `the image has ${data.length} bytes, more than the limit of ${this.limits.maxBytes}`,
      );
    }
    const meta = await this.readHeader(data);
    const width = meta.autoOrient?.width ?? meta.width;
    const height = meta.autoOrient?.height ?? meta.height;
    const plan = planResize(this.config, width, height);
    const cost = decodeCost(meta.width, meta.height, meta.channels, meta.depth);
    // Enlarging: libvips' grid is half a pixel off Pillow's; resample as Pillow does (the source is small).
    const enlarges = plan.width > width || plan.height > height;
    const useLibvips =
      !enlarges || plan.width * plan.height > MAX_RESIZE_OVER_CROP * this.outWidth * this.outHeight;
    return this.budget.use(cost, () =>
      useLibvips
        ? this.resizeWithLibvips(data, width, height, plan)
        : this.resizeLikePillow(data, width, height, plan),
    );
  }

  private open(data: Buffer): Sharp {
    return sharp(data, {
      failOn: 'error', // truncated or corrupt pixel data is an error, not a grey half-image
      limitInputPixels: this.limits.maxPixels,
      sequentialRead: true,
      pages: 1, // first frame of animations and multi-page files
      ignoreIcc: this.iccProfiles === 'ignore',
    })
      .timeout({ seconds: DECODE_TIMEOUT_SECONDS })
      .rotate(); // EXIF orientation
  }

  /** Everything in libvips: decode (with JPEG shrink-on-load in `fast` mode), bicubic resize, crop. */
  private async resizeWithLibvips(data: Buffer, width: number, height: number, plan: ResizePlan) {
    let pipeline = this.open(data);
    const { crop } = plan;
    const kernelOpts = { kernel: 'cubic', fastShrinkOnLoad: this.resize === 'fast' } as const;
    if (plan.width * plan.height > MAX_RESIZE_OVER_CROP * crop.width * crop.height) {
      // Extreme aspect ratio: take the centre region with the crop's aspect in the source, then resize it.
      const region = centreRegion(width, height, crop.width / crop.height);
      pipeline = pipeline.extract(region).resize(crop.width, crop.height, { fit: 'fill', ...kernelOpts });
    } else {
      pipeline = pipeline.resize(plan.width, plan.height, { fit: 'fill', ...kernelOpts });
      if (crop.width !== plan.width || crop.height !== plan.height) pipeline = pipeline.extract(crop);
    }
    return this.rgb(pipeline);
  }

  /** libvips decodes at full size; the resize and crop run in JavaScript exactly as Pillow's. */
  private async resizeLikePillow(data: Buffer, width: number, height: number, plan: ResizePlan) {
    const full = await this.rgb(this.open(data), { width, height });
    // Only the centre crop is computed: the same bytes as Pillow's resize-then-crop.
    const cropped = pilBicubicResize(full, width, height, plan.width, plan.height, plan.crop);
    return Buffer.from(cropped.buffer, cropped.byteOffset, cropped.byteLength);
  }

  /** The pipeline's output as 8-bit sRGB, alpha flattened on white; checked against the expected size. */
  private async rgb(
    pipeline: Sharp,
    expected = { width: this.outWidth, height: this.outHeight },
  ): Promise<Buffer> {
    let out: { data: Buffer; info: OutputInfo };
    try {
      out = await pipeline
        .flatten({ background: { r: 255, g: 255, b: 255 } })
        .toColourspace('srgb') // CMYK, greyscale and 16-bit inputs become 8-bit sRGB
        .raw()
        .toBuffer({ resolveWithObject: true });
    } catch (err) {
      throw decodeError(err, 'pixels');
    }
    const { info } = out;
    if (info.width !== expected.width || info.height !== expected.height || info.channels !== 3) {
      throw new ImageError(
        'IMAGE_CORRUPT',
        `decoding produced ${info.width}×${info.height}×${info.channels}, expected ${expected.width}×${expected.height}×3`,
      );
    }
    return out.data;
  }

  /** Header only: format allow-list, dimensions and the pixel limit, before any pixel is decoded. */
  private async readHeader(data: Buffer): Promise<Metadata> {
    let meta: Metadata;
    try {
      // Reading the header allocates no pixels, so it runs unlimited to report the real dimensions.
      meta = await sharp(data, { limitInputPixels: false }).metadata();
    } catch (err) {
      throw decodeError(err, 'header');
    }
    if (!ALLOWED_FORMATS.has(meta.format)) {
      throw new ImageError(
        'IMAGE_UNSUPPORTED_FORMAT',
        `${meta.format} images are not accepted (allowed: ${[...ALLOWED_FORMATS].join(', ')})`,
      );
    }
    const { width, height } = meta;
    if (!(width > 0 && height > 0)) {
      throw new ImageError('IMAGE_CORRUPT', `the image header declares ${width}×${height} pixels`);
    }
    if (width * height > this.limits.maxPixels) {
      throw new ImageError(
        'IMAGE_TOO_MANY_PIXELS',
        `the image is ${width}×${height} (${width * height} pixels), more than the limit of ${this.limits.maxPixels}`,
      );
    }
    return meta;
  }
}

function centreRegion(width: number, height: number, aspect: number) {
  let w = width;
  let h = height;
  if (width / height > aspect) w = Math.max(1, Math.min(width, Math.round(height * aspect)));
  else h = Math.max(1, Math.min(height, Math.round(width / aspect)));
  return { left: Math.floor((width - w) / 2), top: Math.floor((height - h) / 2), width: w, height: h };
}
