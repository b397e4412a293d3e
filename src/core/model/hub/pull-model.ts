import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ModelDtype } from '../../types.js';
import { parseDtype } from '../dtype.js';
import { assertHubId, cacheDir, cachedModelDir } from '../model-cache.js';
import { downloadFile } from './download-file.js';
import {
  authHeaders,
  type HubFile,
  hubConfigFromEnv,
  listRepoFiles,
  pathInside,
  resolveUrl,
} from './hub-client.js';
import { selectFiles } from './select-files.js';

export interface PullOptions {
  repo: string;
  revision?: string;
  dtype?: ModelDtype;
  /** Cache root; default `ZEROSHOT_CACHE_DIR` or ~/.cache/zeroshot. The model goes to `<root>/models/<owner>--<name>`. */
  cacheDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Called once with the plan, before any download. */
  onPlan?: (files: Array<HubFile & { present: boolean }>) => void;
  /** Bytes of `file` on disk so far. */
  onProgress?: (file: string, bytes: number) => void;
  onFileDone?: (file: string, skipped: boolean) => void;
  /** Download tuning, mostly for tests. */
  retryDelayMs?: number;
  attempts?: number;
}

export interface PullResult {
  dir: string;
  files: Array<{ path: string; bytes: number; skipped: boolean }>;
}

/** Marker written after a complete pull: where it came from. */
export const PULL_MARKER = '.zeroshot-pull.json';

async function complete(file: string, size: number): Promise<boolean> {
  try {
    return (await stat(file)).size === size;
  } catch {
    return false;
  }
}

/** Downloads what zeroshot needs of a hub repository (one dtype) into the cache; resumable and verified. */
export async function pullModel(opts: PullOptions): Promise<PullResult> {
  const repo = assertHubId(opts.repo);
  const revision = opts.revision ?? 'main';
  const dtype = opts.dtype === undefined ? 'fp32' : parseDtype(opts.dtype);
  const env = opts.env ?? process.env;
  const hub = hubConfigFromEnv(env);
  const dir = cachedModelDir(repo, opts.cacheDir ?? cacheDir(env));
  const listing = await listRepoFiles(hub, repo, revision);
  const wanted = selectFiles(listing, dtype, repo);
  const plan = await Promise.all(
    wanted.map(async (f) => ({ ...f, present: await complete(pathInside(dir, f.path), f.size) })),
  );
  opts.onPlan?.(plan);
  const files: PullResult['files'] = [];
  for (const f of plan) {
    const dest = pathInside(dir, f.path);
    if (!f.present) {
      await downloadFile(resolveUrl(hub, repo, revision, f.path), dest, {
        headers: authHeaders(hub),
        size: f.size,
        ...(f.sha256 ? { sha256: f.sha256 } : {}),
        ...(f.gitOid ? { gitOid: f.gitOid } : {}),
        onProgress: (bytes) => opts.onProgress?.(f.path, bytes),
        ...(opts.retryDelayMs !== undefined ? { retryDelayMs: opts.retryDelayMs } : {}),
        ...(opts.attempts !== undefined ? { attempts: opts.attempts } : {}),
      });
    }
    opts.onFileDone?.(f.path, f.present);
    files.push({ path: f.path, bytes: f.size, skipped: f.present });
  }
  await writeFile(
    path.join(dir, PULL_MARKER),
    `${JSON.stringify({ repo, revision, dtype, endpoint: hub.endpoint, files: files.map((f) => f.path), pulledAt: new Date().toISOString() }, null, 2)}\n`,
  );
  return { dir, files };
}
