import { stat } from 'node:fs/promises';
import ort from 'onnxruntime-node';
import { ModelError } from '../errors/index.js';
import type { ExecutionProvider } from '../types.js';
import { cudaProviderInstalled } from './cuda-provider.js';
import {
  type RuntimeOptions,
  resolveAllowSpinning,
  resolveIntraOpThreads,
  validateProviders,
} from './runtime-options.js';
import { warnOnce } from './warn-once.js';

// ORT's process-wide logger (read once, at the first session) prints its own red lines when the CUDA
// provider library cannot load; createSession reports that once, naming the library. Every ORT failure
// still reaches us as an exception with its message.
ort.env.logLevel = 'fatal';

export interface CreatedSession {
  session: ort.InferenceSession;
  /** The provider that actually runs the graph (the first one of the list that could be used). */
  provider: ExecutionProvider;
}

const CORRUPT_HINT =
  /protobuf|parsing|ModelProto|invalid model|no graph|Load model .*failed|INVALID_PROTOBUF/i;

function sessionOptions(
  intraOpNumThreads: number,
  allowSpinning: boolean,
): Omit<ort.InferenceSession.SessionOptions, 'executionProviders'> {
  const spin = allowSpinning ? '1' : '0';
  return {
    // Why these threads: ORT's intra-op pool gets every core, inter-op stays at 1 and execution is
    // sequential, because CLIP graphs are a chain of large matmuls where parallelism inside each op is
    // what pays. sharp decodes on libuv threads at the same time (the pipeline bounds how many), so pool
    // threads do not spin-wait between parallel sections: idle ORT threads give the cores to decoding
    // instead of burning them (measured: ~25 % less CPU per image for the same inference time).
    // Override with intraOpThreads / ZEROSHOT_INTRA_OP_THREADS when several workers share a host.
    intraOpNumThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Fatal only: on a host without CUDA, ORT would print its own red ERROR lines for every session it
    // tries on CUDA; createSession reports the problem once instead (warnOnce, naming the library).
    logSeverityLevel: 4,
    extra: { session: { intra_op: { allow_spinning: spin }, inter_op: { allow_spinning: spin } } },
  };
}

async function assertFile(file: string, what: string): Promise<void> {
  try {
    const s = await stat(file);
    if (!s.isFile()) throw new Error('not a file');
  } catch {
    throw new ModelError('MODEL_FILE_MISSING', `${what} not found: ${file}`);
  }
}

function loadError(file: string, what: string, err: unknown): ModelError {
  const detail = (err as Error)?.message ?? String(err);
  if (CORRUPT_HINT.test(detail)) {
    return new ModelError('MODEL_FILE_CORRUPT', `${what} is not a loadable ONNX graph: ${file} (${detail})`, {
      cause: err,
    });
  }
  return new ModelError('MODEL_LOAD_FAILED', `ONNX Runtime could not load ${what} ${file}: ${detail}`, {
    cause: err,
  });
}

/** "libcudnn.so.9 is missing; " when ORT's message says a shared library could not be opened. */
function missingLibrary(detail: string): string {
  const lib = detail.match(/(lib[\w.+-]*\.so[\w.]*): cannot open shared object file/)?.[1];
  return lib ? `${lib} is missing (not installed or not on LD_LIBRARY_PATH); ` : '';
}

/**
 * One ORT session for one graph, on the first provider of the list that works. CUDA that is not
 * installed or fails to initialise falls back to the next provider with ONE warning per callback.
 */
export async function createSession(
  file: string,
  what: string,
  runtime: RuntimeOptions = {},
): Promise<CreatedSession> {
  const providers = validateProviders(runtime.providers);
  const options = sessionOptions(
    resolveIntraOpThreads(runtime.intraOpThreads),
    resolveAllowSpinning(runtime.allowSpinning),
  );
  await assertFile(file, what);
  for (let i = 0; i < providers.length; i++) {
    const provider = providers[i]!;
    const rest = providers.slice(i);
    const fallback = providers[i + 1];
    if (provider === 'cuda') {
      const { installed, dir } = cudaProviderInstalled();
      if (!installed) {
        const reason = `libonnxruntime_providers_cuda.so is not installed next to the onnxruntime-node binding (${dir ?? 'binding not found'}); install it with \`npm run cuda:install\`, check with \`npm run cuda:install -- --check\` (docs/MODELS.md)`;
        if (fallback === undefined)
          throw new ModelError('PROVIDER_UNAVAILABLE', `CUDA execution provider unavailable: ${reason}`);
        warnOnce(
          runtime.onWarning,
          'cuda-fallback',
          `CUDA execution provider unavailable, using ${fallback.toUpperCase()}: ${reason}`,
        );
        continue;
      }
    }
    try {
      const session = await ort.InferenceSession.create(file, { ...options, executionProviders: rest });
      return { session, provider };
    } catch (err) {
      if (provider !== 'cuda') throw loadError(file, what, err);
      const detail = (err as Error)?.message ?? String(err);
      // A corrupt graph fails on every provider: report it as such rather than as a CUDA problem.
      if (CORRUPT_HINT.test(detail)) throw loadError(file, what, err);
      if (fallback === undefined) {
        throw new ModelError('PROVIDER_UNAVAILABLE', `CUDA execution provider failed to start: ${detail}`, {
          cause: err,
        });
      }
      warnOnce(
        runtime.onWarning,
        'cuda-fallback',
        `CUDA execution provider failed to start, using ${fallback.toUpperCase()}: ${missingLibrary(detail)}check the install with \`npm run cuda:install -- --check\` (it needs CUDA 13 and cuDNN 9; docs/MODELS.md). ONNX Runtime said: ${detail}`,
      );
    }
  }
  throw new ModelError('PROVIDER_UNAVAILABLE', `no usable execution provider among ${providers.join(', ')}`);
}

/** session.run (of all outputs, or only those named in `fetches`) with failures mapped to INFERENCE_FAILED. */
export async function runSession(
  session: ort.InferenceSession,
  feeds: Record<string, ort.Tensor>,
  what: string,
  fetches?: string[],
): Promise<ort.InferenceSession.ReturnType> {
  try {
    return await (fetches ? session.run(feeds, fetches) : session.run(feeds));
  } catch (err) {
    throw new ModelError(
      'INFERENCE_FAILED',
      `${what} inference failed: ${(err as Error)?.message ?? String(err)}`,
      {
        cause: err,
      },
    );
  }
}
