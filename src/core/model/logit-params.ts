import path from 'node:path';
import { ModelError } from '../errors/index.js';
import type { ModelType } from '../types.js';
import { finiteNumber } from './config-values.js';
import { readOptionalJsonFile } from './read-json-file.js';

/** Optional file in a model directory that overrides the scoring scale and bias. */
export const LOGIT_OVERRIDE_FILE = 'zeroshot.json';

/** CLIP's learned temperature saturates at 100 (clamped in training); every released CLIP uses it. */
export const CLIP_LOGIT_SCALE = 100;
/**
 * SigLIP learns scale and bias, but the separate vision/text ONNX encoders do not carry them. These are
 * exp(logit_scale) and logit_bias of google/siglip-base-patch16-224 (approximately); other SigLIP
 * checkpoints differ: put their values in `zeroshot.json`.
 */
export const SIGLIP_DEFAULT_LOGIT_SCALE = 117.33;
export const SIGLIP_DEFAULT_LOGIT_BIAS = -12.93;

export interface LogitParams {
  logitScale: number;
  logitBias: number;
  /** Where the values came from: the override file's path, or `default (clip)` / `default (siglip)`. */
  source: string;
}

/** Default scale/bias of the model type, overridden by `<dir>/zeroshot.json` `{"logit_scale","logit_bias"}`. */
export async function resolveLogitParams(dir: string, modelType: ModelType): Promise<LogitParams> {
  const defaults: LogitParams =
    modelType === 'clip'
      ? { logitScale: CLIP_LOGIT_SCALE, logitBias: 0, source: 'default (clip)' }
      : {
          logitScale: SIGLIP_DEFAULT_LOGIT_SCALE,
          logitBias: SIGLIP_DEFAULT_LOGIT_BIAS,
          source: 'default (siglip)',
        };
  const file = path.join(dir, LOGIT_OVERRIDE_FILE);
  const json = await readOptionalJsonFile(file, 'logit override file');
  if (!json) return defaults;
  const unknown = Object.keys(json).filter((k) => k !== 'logit_scale' && k !== 'logit_bias');
  if (unknown.length > 0) {
    throw new ModelError(
      'MODEL_CONFIG_INVALID',
      `${file}: unknown key(s) ${unknown.join(', ')}; allowed keys are logit_scale and logit_bias`,
    );
  }
  const logitScale =
    json.logit_scale === undefined
      ? defaults.logitScale
      : finiteNumber(json.logit_scale, file, 'logit_scale');
  const logitBias =
    json.logit_bias === undefined ? defaults.logitBias : finiteNumber(json.logit_bias, file, 'logit_bias');
  if (logitScale <= 0) throw new ModelError('MODEL_CONFIG_INVALID', `logit_scale in ${file} must be > 0`);
  return { logitScale, logitBias, source: file };
}
