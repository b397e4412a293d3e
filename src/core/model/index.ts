export {
  DTYPE_SUFFIX,
  dtypeOfFile,
  type EncoderKind,
  MODEL_DTYPES,
  modelFileName,
  parseDtype,
} from './dtype.js';
export { type DownloadOptions, downloadFile } from './hub/download-file.js';
export { type HubConfig, type HubFile, hubConfigFromEnv, listRepoFiles } from './hub/hub-client.js';
export { PULL_MARKER, type PullOptions, type PullResult, pullModel } from './hub/pull-model.js';
export { selectFiles } from './hub/select-files.js';
export { inspectModel, type ModelReport } from './inspect-model.js';
export { type LoadModelSpecOptions, loadModelSpec } from './load-model-spec.js';
export {
  CLIP_LOGIT_SCALE,
  LOGIT_OVERRIDE_FILE,
  type LogitParams,
  resolveLogitParams,
  SIGLIP_DEFAULT_LOGIT_BIAS,
  SIGLIP_DEFAULT_LOGIT_SCALE,
} from './logit-params.js';
export { assertHubId, cacheDir, cachedModelDir, DEFAULT_HUB_MODEL, isHubId } from './model-cache.js';
export { encoderPath, listVariants, type VariantFile } from './model-files.js';
export { parsePreprocessConfig } from './preprocess-config.js';
export { type ResolveModelDirOptions, resolveModelDir } from './resolve-model-dir.js';
