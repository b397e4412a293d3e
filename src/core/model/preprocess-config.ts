import { ModelError } from '../errors/index.js';
import type { ModelType, PreprocessConfig } from '../types.js';
import { asObject, finiteNumber, positiveInt, triple } from './config-values.js';

// Defaults of the Hugging Face image processors when a key is absent.
const OPENAI_CLIP_MEAN: [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
const OPENAI_CLIP_STD: [number, number, number] = [0.26862954, 0.26130258, 0.27577711];
const HALF: [number, number, number] = [0.5, 0.5, 0.5];

type Size = { width: number; height: number };

function sizeOf(value: unknown, file: string, key: string): Size {
  if (typeof value === 'number') {
    const side = positiveInt(value, file, key);
    return { width: side, height: side };
  }
  const obj = asObject(value);
  if (obj && 'height' in obj && 'width' in obj) {
    return {
      height: positiveInt(obj.height, file, `${key}.height`),
      width: positiveInt(obj.width, file, `${key}.width`),
    };
  }
  throw new ModelError(
    'MODEL_CONFIG_INVALID',
    `${key} in ${file} must be a number or {"height","width"} but is ${JSON.stringify(value)}`,
  );
}

function meanOrStd(value: unknown, fallback: [number, number, number], file: string, key: string) {
  if (value === undefined) return fallback;
  if (typeof value === 'number') {
    const v = finiteNumber(value, file, key);
    return [v, v, v] as [number, number, number];
  }
  return triple(value, file, key);
}

/**
 * Turns `preprocessor_config.json` (CLIPImageProcessor / SiglipImageProcessor keys) into the recipe the
 * preprocessor follows: resize (shortest edge, or exact size), optional centre crop, rescale, normalize.
 */
export function parsePreprocessConfig(
  json: Record<string, unknown>,
  file: string,
  modelType: ModelType,
): PreprocessConfig {
  const size = json.size;
  const sizeObj = asObject(size);
  let shortestEdge: number | undefined;
  let resizeTo: Size | undefined;
  if (json.do_resize === false) {
    // Nothing to resize: the crop (or the model input) decides the size below.
  } else if (sizeObj && 'shortest_edge' in sizeObj) {
    shortestEdge = positiveInt(sizeObj.shortest_edge, file, 'size.shortest_edge');
  } else if (sizeObj) {
    resizeTo = sizeOf(size, file, 'size');
  } else if (typeof size === 'number') {
    // Legacy CLIP configs: an integer size is the shortest edge; SigLIP resizes to a square.
    if (modelType === 'clip') shortestEdge = positiveInt(size, file, 'size');
    else resizeTo = sizeOf(size, file, 'size');
  } else {
    throw new ModelError(
      'MODEL_CONFIG_INVALID',
      `size in ${file} must be {"shortest_edge"}, {"height","width"} or a number but is ${JSON.stringify(size)}`,
    );
  }

  const doCrop = json.do_center_crop ?? (json.crop_size !== undefined && modelType === 'clip');
  let crop: Size | undefined;
  if (doCrop === true) {
    if (json.crop_size === undefined) {
      throw new ModelError(
        'MODEL_CONFIG_INVALID',
        `do_center_crop is true in ${file} but crop_size is missing`,
      );
    }
    crop = sizeOf(json.crop_size, file, 'crop_size');
  }

  const finalSize =
    crop ?? resizeTo ?? (shortestEdge ? { width: shortestEdge, height: shortestEdge } : undefined);
  if (!finalSize)
    throw new ModelError('MODEL_CONFIG_INVALID', `${file} gives neither a resize size nor a crop size`);
  if (finalSize.width !== finalSize.height) {
    throw new ModelError(
      'MODEL_UNSUPPORTED',
      `${file}: only square model inputs are supported, got ${finalSize.width}x${finalSize.height}`,
    );
  }
  if (shortestEdge !== undefined && !crop && modelType === 'clip') {
    // Shortest-edge resize without a crop leaves a non-square image: the model needs a fixed square input.
    throw new ModelError(
      'MODEL_CONFIG_INVALID',
      `${file}: size.shortest_edge without a center crop gives non-square images`,
    );
  }

  const rescaleFactor =
    json.do_rescale === false
      ? 1
      : json.rescale_factor === undefined
        ? 1 / 255
        : finiteNumber(json.rescale_factor, file, 'rescale_factor');
  const normalize = json.do_normalize !== false;
  const defaultMean = modelType === 'clip' ? OPENAI_CLIP_MEAN : HALF;
  const defaultStd = modelType === 'clip' ? OPENAI_CLIP_STD : HALF;
  const mean = normalize
    ? meanOrStd(json.image_mean, defaultMean, file, 'image_mean')
    : ([0, 0, 0] as [number, number, number]);
  const std = normalize
    ? meanOrStd(json.image_std, defaultStd, file, 'image_std')
    : ([1, 1, 1] as [number, number, number]);
  if (std.some((s) => s === 0))
    throw new ModelError('MODEL_CONFIG_INVALID', `image_std in ${file} must not contain 0`);

  const out: PreprocessConfig = { rescaleFactor, mean, std, imageSize: finalSize.width };
  if (shortestEdge !== undefined) out.shortestEdge = shortestEdge;
  if (resizeTo) out.resizeTo = resizeTo;
  if (crop) out.crop = crop;
  return out;
}
