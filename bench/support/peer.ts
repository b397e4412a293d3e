import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './results.js';

export interface PeerResult {
  peer: string;
  version: string;
  images: number;
  labels: number;
  passes: number;
  threads: string | number;
  loadMs: number;
  passMs: number[];
  imagesPerSecond: number;
  cpuMsPerImage: number;
}

/**
 * Runs transformers.js' zero-shot pipeline in a separate Node process (it bundles its own
 * onnxruntime-node, which must not share a process with ours) and returns its JSON summary.
 */
export function runTransformersPeer(opts: {
  model: string;
  images: string;
  labels: string[];
  passes: number;
  warmup?: number;
  threads?: number;
}): Promise<PeerResult> {
  const script = path.join(REPO_ROOT, 'bench', 'peer-transformers.mjs');
  const args = [
    script,
    '--model',
    opts.model,
    '--images',
    opts.images,
    '--labels',
    opts.labels.join(','),
    '--passes',
    String(opts.passes),
    '--warmup',
    String(opts.warmup ?? 1),
  ];
  if (opts.threads) args.push('--threads', String(opts.threads));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0)
        return reject(new Error(`transformers.js peer exited with ${code}: ${err.slice(-2000)}`));
      try {
        resolve(JSON.parse(last) as PeerResult);
      } catch {
        reject(new Error(`transformers.js peer printed no JSON: ${out.slice(-500)} ${err.slice(-500)}`));
      }
    });
  });
}
