import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/** What the fake hub saw: one entry per request. */
export interface HubRequest {
  url: string;
  range: string | undefined;
  authorization: string | undefined;
}

export interface FakeRepo {
  dir: string;
  /** Files to list with a different size than they have (size-mismatch tests). */
  sizeDelta?: Record<string, number>;
  /** Files whose first GET drops the connection after this many bytes. */
  dropAfter?: Record<string, number>;
  /** Answer every request with this HTTP status. */
  status?: number;
  /** Hostile: extra listing entries (e.g. a path that escapes the model directory). */
  extraEntries?: Array<Record<string, unknown>>;
  /** Hostile: the first listing page's `Link: rel=next` points here (e.g. another origin). */
  nextPage?: string;
  /** Files whose download answers 302 to this URL (e.g. a CDN on another origin). */
  redirect?: Record<string, string>;
}

function walk(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(root, rel))) {
    const p = path.posix.join(rel, name);
    if (statSync(path.join(root, p)).isDirectory()) out.push(...walk(root, p));
    else out.push(p);
  }
  return out;
}

/**
 * A Hugging Face hub stand-in on loopback: `/api/models/<repo>/tree/<rev>?recursive=true` (two pages,
 * `.onnx` files as LFS with sha256, others with git blob oids) and `/<repo>/resolve/<rev>/<path>` with
 * Range support and fault injection.
 */
export async function startFakeHub(repos: Record<string, FakeRepo>) {
  const requests: HubRequest[] = [];
  const dropped = new Set<string>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://hub');
    requests.push({
      url: url.pathname + url.search,
      range: req.headers.range,
      authorization: req.headers.authorization,
    });
    const tree = url.pathname.match(/^\/api\/models\/([^/]+\/[^/]+)\/tree\/([^/]+)$/);
    const resolve = url.pathname.match(/^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/);
    const repoId = tree?.[1] ?? resolve?.[1];
    const repo = repoId ? repos[repoId] : undefined;
    if (!repo) {
      res.writeHead(404).end('Repository not found');
      return;
    }
    if (repo.status) {
      res.writeHead(repo.status).end('nope');
      return;
    }
    if (tree) {
      const entries = walk(repo.dir).map((p) => {
        const data = readFileSync(path.join(repo.dir, p));
        const size = data.length + (repo.sizeDelta?.[p] ?? 0);
        return p.endsWith('.onnx')
          ? {
              type: 'file',
              path: p,
              size,
              oid: 'x',
              lfs: { oid: createHash('sha256').update(data).digest('hex'), size },
            }
          : {
              type: 'file',
              path: p,
              size,
              oid: createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex'),
            };
      });
      entries.push({ type: 'directory', path: 'onnx', size: 0, oid: 'd' } as never);
      entries.push(...((repo.extraEntries ?? []) as never[]));
      const half = Math.ceil(entries.length / 2);
      const page2 = url.searchParams.get('cursor') === '2';
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (!page2)
        headers.link = `<${repo.nextPage ?? `${url.pathname}?recursive=true&cursor=2`}>; rel="next"`;
      res.writeHead(200, headers).end(JSON.stringify(page2 ? entries.slice(half) : entries.slice(0, half)));
      return;
    }
    const file = decodeURIComponent(resolve![3]!);
    const redirect = repo.redirect?.[file];
    if (redirect) {
      res.writeHead(302, { location: redirect }).end();
      return;
    }
    let data: Buffer;
    try {
      data = readFileSync(path.join(repo.dir, file));
    } catch {
      res.writeHead(404).end('Entry not found');
      return;
    }
    const range = req.headers.range?.match(/^bytes=(\d+)-$/);
    const start = range ? Number(range[1]) : 0;
    if (start >= data.length && range) {
      res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
      return;
    }
    const body = data.subarray(start);
    const headers: Record<string, string | number> = {
      'content-length': body.length,
      'accept-ranges': 'bytes',
    };
    if (range) headers['content-range'] = `bytes ${start}-${data.length - 1}/${data.length}`;
    res.writeHead(range ? 206 : 200, headers);
    const drop = repo.dropAfter?.[file];
    if (drop !== undefined && !dropped.has(file) && body.length > drop) {
      dropped.add(file);
      // End the TCP connection after `drop` bytes of a longer Content-Length: a connection lost mid-file.
      res.write(body.subarray(0, drop), () => res.socket?.end());
      return;
    }
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
