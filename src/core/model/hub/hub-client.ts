import path from 'node:path';
import { ModelError } from '../../errors/index.js';

export interface HubConfig {
  /** `HF_ENDPOINT`, default https://huggingface.co (no trailing slash). */
  endpoint: string;
  /** `HF_TOKEN` (or the older `HUGGING_FACE_HUB_TOKEN`); sent as a bearer token, never logged. */
  token: string | undefined;
}

export interface HubFile {
  path: string;
  size: number;
  /** sha256 of LFS (and Xet) files, from the tree listing. */
  sha256: string | undefined;
  /** git blob sha1 of small files stored in git. */
  gitOid: string | undefined;
}

export function hubConfigFromEnv(env: NodeJS.ProcessEnv = process.env): HubConfig {
  const endpoint = (
    env.HF_ENDPOINT && env.HF_ENDPOINT !== '' ? env.HF_ENDPOINT : 'https://huggingface.co'
  ).replace(/\/+$/, '');
  const token = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || undefined;
  return { endpoint, token };
}

export function authHeaders(hub: HubConfig): Record<string, string> {
  return hub.token ? { authorization: `Bearer ${hub.token}` } : {};
}

const encodePath = (p: string) => p.split('/').map(encodeURIComponent).join('/');

export function treeUrl(hub: HubConfig, repo: string, revision: string): string {
  return `${hub.endpoint}/api/models/${repo}/tree/${encodeURIComponent(revision)}?recursive=true`;
}

export function resolveUrl(hub: HubConfig, repo: string, revision: string, file: string): string {
  return `${hub.endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${encodePath(file)}`;
}

export function downloadError(url: string, problem: string, cause?: unknown): ModelError {
  return new ModelError('MODEL_DOWNLOAD_FAILED', `${url}: ${problem}`, cause === undefined ? {} : { cause });
}

export function statusProblem(status: number, statusText: string): string {
  const hint =
    status === 401 || status === 403
      ? ' (gated or private repository? set HF_TOKEN to a token with access)'
      : status === 404
        ? ' (check the repository id, revision and file name)'
        : '';
  return `HTTP ${status} ${statusText}${hint}`.trim();
}

interface TreeEntry {
  type?: string;
  path?: string;
  size?: number;
  oid?: string;
  lfs?: { oid?: string; size?: number };
}

function nextLink(header: string | null): string | undefined {
  return header?.match(/<([^>]+)>;\s*rel="next"/)?.[1];
}

/**
 * A repository path from a listing, as a safe relative POSIX path: no absolute path, no `..`/`.`/empty
 * segment, no backslash or control character. A hostile hub must not make a pull write outside the model
 * directory (`onnx/x.onnx_data/../../ESCAPED`).
 */
function safeRepoPath(p: string, url: string): string {
  const segments = p.split('/');
  const bad =
    p.length === 0 ||
    p.length > 1024 ||
    p.startsWith('/') ||
    path.posix.isAbsolute(p) ||
    path.win32.isAbsolute(p) ||
    p.includes('\\') ||
    [...p].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f) ||
    segments.some((s) => s === '' || s === '.' || s === '..');
  if (bad) throw downloadError(url, `the listing names an unsafe path ${JSON.stringify(p)}: refused`);
  return p;
}

/** `dir/rel`, proven to stay inside `dir` after resolution (defence in depth behind safeRepoPath). */
export function pathInside(dir: string, rel: string): string {
  const root = path.resolve(dir);
  const dest = path.resolve(root, rel);
  if (!dest.startsWith(root + path.sep)) {
    throw new ModelError('MODEL_DOWNLOAD_FAILED', `${JSON.stringify(rel)} would be written outside ${root}`);
  }
  return dest;
}

const MAX_REDIRECTS = 5;

/**
 * fetch that follows redirects itself: the token (`authorization`) goes only to the origin it was meant
 * for. A redirect to another origin (the hub's CDN) is followed without it; https → http is refused.
 */
export async function hubFetch(url: string, init: { headers: Record<string, string>; signal?: AbortSignal }) {
  const origin = new URL(url).origin;
  let current = url;
  for (let hop = 0; ; hop++) {
    const sameOrigin = new URL(current).origin === origin;
    const headers = sameOrigin ? init.headers : withoutAuthorization(init.headers);
    const res = await fetch(current, { ...init, headers, redirect: 'manual' });
    const location = res.headers.get('location');
    if (res.status < 300 || res.status > 399 || !location) return res;
    await res.body?.cancel().catch(() => {});
    if (hop >= MAX_REDIRECTS) throw downloadError(url, `more than ${MAX_REDIRECTS} redirects`);
    const next = new URL(location, current);
    if (next.protocol !== 'https:' && next.protocol !== 'http:') {
      throw downloadError(url, `redirected to a ${next.protocol} URL: refused`);
    }
    if (new URL(current).protocol === 'https:' && next.protocol === 'http:') {
      throw downloadError(url, 'redirected from https to plain http: refused');
    }
    current = next.toString();
  }
}

function withoutAuthorization(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
}

/** Every file of a repository at a revision, following the listing's pagination (same origin only). */
export async function listRepoFiles(hub: HubConfig, repo: string, revision: string): Promise<HubFile[]> {
  const files: HubFile[] = [];
  const first = treeUrl(hub, repo, revision);
  const origin = new URL(first).origin;
  let url: string | undefined = first;
  while (url) {
    let res: Response;
    try {
      res = await hubFetch(url, { headers: { ...authHeaders(hub), accept: 'application/json' } });
    } catch (err) {
      if (err instanceof ModelError) throw err;
      throw downloadError(url, `request failed: ${(err as Error).message}${causeText(err)}`, err);
    }
    if (!res.ok) throw downloadError(url, statusProblem(res.status, res.statusText));
    let body: unknown;
    try {
      body = await res.json();
    } catch (err) {
      throw downloadError(url, 'the file listing is not JSON', err);
    }
    if (!Array.isArray(body)) throw downloadError(url, 'the file listing is not a JSON array');
    for (const e of body as TreeEntry[]) {
      if (e.type !== 'file' || typeof e.path !== 'string' || typeof e.size !== 'number') continue;
      const sha256 = typeof e.lfs?.oid === 'string' ? e.lfs.oid : undefined;
      files.push({
        path: safeRepoPath(e.path, url),
        size: e.size,
        sha256,
        gitOid: sha256 ? undefined : e.oid,
      });
    }
    const next = nextLink(res.headers.get('link'));
    url = next ? new URL(next, url).toString() : undefined;
    if (url && new URL(url).origin !== origin) {
      // The next page would get the token: only the hub's own origin may have it.
      throw downloadError(
        first,
        `the listing's next page is on another origin (${new URL(url).origin}): refused`,
      );
    }
  }
  return files;
}

export function causeText(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause ? ` (${cause.code ?? cause.message ?? ''})` : '';
}
