import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export const CUDA_PROVIDER_LIBS = ['libonnxruntime_providers_cuda.so', 'libonnxruntime_providers_shared.so'];

/** `node_modules/onnxruntime-node/bin/napi-v*\/<platform>/<arch>`: where the binding loads provider libraries from. */
export function ortBindingDir(): string | undefined {
  let pkgDir: string;
  try {
    const require = createRequire(import.meta.url);
    pkgDir = path.dirname(require.resolve('onnxruntime-node/package.json'));
  } catch {
    return undefined;
  }
  const bin = path.join(pkgDir, 'bin');
  let napis: string[];
  try {
    napis = readdirSync(bin).filter((d) => d.startsWith('napi-v'));
  } catch {
    return undefined;
  }
  for (const napi of napis.sort().reverse()) {
    const dir = path.join(bin, napi, process.platform, process.arch);
    if (existsSync(path.join(dir, 'onnxruntime_binding.node'))) return dir;
  }
  return undefined;
}

/**
 * Whether the CUDA provider libraries sit next to the binding. Checking first avoids ORT printing a
 * native error for every session when they are simply not installed (`npm run cuda:install`).
 */
export function cudaProviderInstalled(): { installed: boolean; dir: string | undefined } {
  const dir = ortBindingDir();
  const installed = dir !== undefined && CUDA_PROVIDER_LIBS.every((lib) => existsSync(path.join(dir, lib)));
  return { installed, dir };
}
