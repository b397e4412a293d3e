export { type CreatedSession, createSession, runSession } from './create-session.js';
export { CUDA_PROVIDER_LIBS, cudaProviderInstalled, ortBindingDir } from './cuda-provider.js';
export { float32ToHalf, halfToFloat32 } from './float16.js';
export {
  DEFAULT_PROVIDERS,
  type RuntimeOptions,
  resolveAllowSpinning,
  resolveIntraOpThreads,
  validateProviders,
} from './runtime-options.js';
export { describeValues, type TensorInfo } from './tensor-io.js';
export { warnOnce } from './warn-once.js';
