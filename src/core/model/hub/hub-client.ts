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

/** Every file of a repository at a revision, following the listing's pagination. */
export async function listRepoFiles(hub: HubConfig, repo: string, revision: string): Promise<HubFile[]> {
  const files: HubFile[] = [];
  let url: string | undefined = treeUrl(hub, repo, revision);
  while (url) {
    let res: Response;
    try {
      res = await fetch(url, { headers: { ...authHeaders(hub), accept: 'application/json' } });
    } catch (err) {
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
      files.push({ path: e.path, size: e.size, sha256, gitOid: sha256 ? undefined : e.oid });
    }
    const next = nextLink(res.headers.get('link'));
    url = next ? new URL(next, url).toString() : undefined;
  }
  return files;
}

export function causeText(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause ? ` (${cause.code ?? cause.message ?? ''})` : '';
}
