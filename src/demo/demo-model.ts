import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type PullProgress, pullProgress } from '../cli/pull-progress.js';
import { ModelError } from '../core/errors/index.js';
import { authHeaders, treeUrl } from '../core/model/hub/hub-client.js';
import {
  cacheDir,
  DEFAULT_HUB_MODEL,
  hubConfigFromEnv,
  parseDtype,
  pullModel,
  resolveModelDir,
} from '../core/model/index.js';
import type { ModelDtype } from '../core/types.js';

/**
 * Weights the demo pulls when it has no model: fp16 halves the download of the fp32 graphs
 * (about 300 MB instead of 600 MB) and its scores stay within about 1e-3 of fp32, whereas the 8-bit
 * dynamically quantized graphs (q8, ~150 MB) move CLIP's zero-shot scores visibly (quantized attention
 * and projection layers). ZEROSHOT_DTYPE overrides it.
 */
export const DEMO_DTYPE: ModelDtype = 'fp16';

/** The one command that gives real labels on a machine where the demo fell back to the random model. */
export const PULL_COMMAND = `npx zeroshot model pull ${DEFAULT_HUB_MODEL} --dtype ${DEMO_DTYPE}`;

export type DemoModelSource = 'flag' | 'env' | 'cache' | 'pulled' | 'bundled';

export interface DemoModel {
  dir: string;
  source: DemoModelSource;
  /** Random weights (the bundled model or another stand-in): the labels mean nothing. */
  meaningless: boolean;
  /** Why there is no real model (bundled fallback only). */
  reason?: string;
}

export interface ResolveDemoModelOptions {
  /** `--model` of the demo. */
  model?: string;
  env?: NodeJS.ProcessEnv;
  /** The random-weight model shipped with the repository (the offline fallback). */
  bundledDir: string;
  /** Where progress and notes go; default stderr. */
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  /** How long to wait for the hub to answer before going offline; default 5 s. */
  hubTimeoutMs?: number;
  /** Download tuning (tests). */
  retryDelayMs?: number;
}

async function isStandIn(dir: string): Promise<boolean> {
  try {
    const config = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    return config.stand_in !== undefined;
  } catch {
    return false;
  }
}

/** Does the hub list the default model's files? Any network failure or HTTP error means "offline". */
async function hubReachable(
  env: NodeJS.ProcessEnv,
  timeoutMs = 5_000,
): Promise<{ ok: true } | { ok: false; why: string }> {
  const hub = hubConfigFromEnv(env);
  const url = treeUrl(hub, DEFAULT_HUB_MODEL, 'main');
  try {
    const res = await fetch(url, { headers: authHeaders(hub), signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return res.ok ? { ok: true } : { ok: false, why: `${hub.endpoint} answered HTTP ${res.status}` };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { ok: false, why: `${hub.endpoint} is not reachable (${cause ?? (err as Error).message})` };
  }
}

/**
 * The demo's model, resolved exactly like the CLI (`--model` > `ZEROSHOT_MODEL` > the cached default
 * model); when none is configured: pull the default model from the hub (ZEROSHOT_DTYPE or fp16, with a
 * progress bar) into the cache the CLI reads, or, when the hub cannot be reached, the bundled
 * random-weight model (`meaningless`).
 */
export async function resolveDemoModel(opts: ResolveDemoModelOptions): Promise<DemoModel> {
  const env = opts.env ?? process.env;
  const err = opts.stderr ?? process.stderr;
  const configured = opts.model ? 'flag' : env.ZEROSHOT_MODEL ? 'env' : undefined;
  try {
    const dir = await resolveModelDir({ ...(opts.model ? { model: opts.model } : {}), env });
    return { dir, source: configured ?? 'cache', meaningless: await isStandIn(dir) };
  } catch (e) {
    // A configured model that cannot be found is the user's mistake: say so rather than pull another.
    if (configured || !(e instanceof ModelError) || e.code !== 'MODEL_NOT_FOUND') throw e;
  }
  const bundled = async (reason: string): Promise<DemoModel> => ({
    dir: opts.bundledDir,
    source: 'bundled',
    meaningless: true,
    reason,
  });
  const reach = await hubReachable(env, opts.hubTimeoutMs);
  if (!reach.ok) return bundled(reach.why);
  const dtype = env.ZEROSHOT_DTYPE ? parseDtype(env.ZEROSHOT_DTYPE, 'ZEROSHOT_DTYPE') : DEMO_DTYPE;
  err.write(
    `[zeroshot] no model in the cache (${cacheDir(env)}): pulling ${DEFAULT_HUB_MODEL} (${dtype}) from ${hubConfigFromEnv(env).endpoint} ...\n`,
  );
  const progress: PullProgress = pullProgress(err);
  try {
    const res = await pullModel({
      repo: DEFAULT_HUB_MODEL,
      dtype,
      env,
      ...progress,
      ...(opts.retryDelayMs !== undefined ? { retryDelayMs: opts.retryDelayMs } : {}),
    });
    return { dir: res.dir, source: 'pulled', meaningless: await isStandIn(res.dir) };
  } catch (e) {
    return bundled(`pulling ${DEFAULT_HUB_MODEL} failed: ${(e as Error).message}`);
  } finally {
    progress.stop();
  }
}
