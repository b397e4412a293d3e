import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type S3Fault = '5xx' | 'slow' | 'reset';

/**
 * A fault for every request whose path contains a given key (whatever the rate):
 * - `status`: that HTTP status with an S3 XML error `code` (403 AccessDenied, 403 InvalidObjectState, 503...);
 * - `cut`: the real headers, half of the body, then the connection is closed;
 * - `trickle`: the real headers, then the body one byte every `intervalMs`;
 * - `delay`: forwarded unchanged after `ms`.
 */
export type KeyFault =
  | { kind: 'status'; status: number; code: string }
  | { kind: 'cut' }
  | { kind: 'trickle'; intervalMs: number }
  | { kind: 'delay'; ms: number };

export interface S3FaultProxyOptions {
  /** The real S3 endpoint to forward to, e.g. the s3rver endpoint. */
  target: string;
  /** Fraction of requests (0..1) that get a fault. */
  rate: number;
  /** Faults to choose from (uniformly) when a request is picked. */
  faults: S3Fault[];
  /** PRNG seed, for reproducible fault sequences. */
  seed?: number;
  /** Delay of a 'slow' fault in ms (default 2000). */
  slowMs?: number;
}

export interface S3FaultProxyStats {
  requests: number;
  forwarded: number;
  faults: Record<S3Fault, number>;
  /** Resets that happened after part of a response body was sent (a subset of faults.reset). */
  midBodyResets: number;
  /** Requests per key fault match string (see setKeyFault). */
  keyRequests: Record<string, number>;
  /** Trickled bodies the client gave up on before their end. */
  trickleAbandoned: number;
}

export interface S3FaultProxy {
  /** Point the storage `endpoint` (or AWS_ENDPOINT_URL_S3) here. */
  endpoint: string;
  stats: S3FaultProxyStats;
  setRate(rate: number): void;
  /** Inject `fault` (default: drawn from `faults`) on exactly the next `n` requests, whatever the rate. */
  failNext(n: number, fault?: S3Fault): void;
  /** Every request whose path contains `match` gets `fault` (undefined removes it). */
  setKeyFault(match: string, fault: KeyFault | undefined): void;
  stop(): Promise<void>;
}

/** mulberry32: tiny deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function errorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>fault-proxy</RequestId></Error>`;
}

/**
 * An HTTP proxy in front of an S3 server that injects faults on a fraction of requests:
 * - `5xx`: 500 InternalError or 503 SlowDown with an S3 XML error body (the request body is drained first);
 * - `slow`: waits `slowMs` before forwarding (a client with a shorter timeout sees a timeout);
 * - `reset`: destroys the client connection, either before forwarding or after part of the response body.
 * Headers (Host included) are forwarded unchanged so SigV4 signatures still verify upstream.
 */
export async function startS3FaultProxy(opts: S3FaultProxyOptions): Promise<S3FaultProxy> {
  if (!(opts.rate >= 0 && opts.rate <= 1)) throw new Error(`rate must be within 0..1 (got ${opts.rate})`);
  if (opts.faults.length === 0) throw new Error('faults must name at least one of 5xx, slow, reset');
  const target = new URL(opts.target);
  const random = prng(opts.seed ?? Date.now());
  const slowMs = opts.slowMs ?? 2000;
  const stats: S3FaultProxyStats = {
    requests: 0,
    forwarded: 0,
    faults: { '5xx': 0, slow: 0, reset: 0 },
    midBodyResets: 0,
    keyRequests: {},
    trickleAbandoned: 0,
  };
  const keyFaults = new Map<string, KeyFault>();
  let rate = opts.rate;
  let forced: { n: number; fault: S3Fault | undefined } = { n: 0, fault: undefined };
  const agent = new http.Agent({ keepAlive: true });
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const pick = (): S3Fault | undefined => {
    if (forced.n > 0) {
      forced.n--;
      return forced.fault ?? opts.faults[Math.floor(random() * opts.faults.length)];
    }
    if (random() >= rate) return undefined;
    return opts.faults[Math.floor(random() * opts.faults.length)];
  };

  /** The same request, sent on to the real S3 server. */
  const upstreamOptions = (req: http.IncomingMessage): http.RequestOptions => ({
    host: target.hostname,
    port: target.port,
    method: req.method,
    path: req.url,
    headers: req.headers,
    agent,
  });

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, cutMidBody: boolean) => {
    stats.forwarded++;
    const upstream = http.request(upstreamOptions(req), (up) => {
      up.on('error', () => res.socket?.destroy());
      if (res.socket?.destroyed) {
        up.destroy();
        return;
      }
      res.writeHead(up.statusCode ?? 502, up.headers);
      if (!cutMidBody) {
        up.pipe(res);
        return;
      }
      // Send roughly half of the first chunk, then cut the connection.
      stats.midBodyResets++;
      up.once('data', (chunk: Buffer) => {
        res.write(chunk.subarray(0, Math.max(1, Math.floor(chunk.length / 2))), () => {
          res.socket?.destroy();
          up.destroy();
        });
      });
      up.once('end', () => res.socket?.destroy());
    });
    upstream.on('error', () => res.socket?.destroy());
    req.pipe(upstream);
  };

  const trickle = (req: http.IncomingMessage, res: http.ServerResponse, intervalMs: number) => {
    const upstream = http.request(upstreamOptions(req), (up) => {
      const chunks: Buffer[] = [];
      up.on('data', (c: Buffer) => chunks.push(c));
      up.on('end', () => {
        const body = Buffer.concat(chunks);
        res.writeHead(up.statusCode ?? 502, up.headers);
        let sent = 0;
        const timer = setInterval(() => {
          if (res.destroyed || sent >= body.length) {
            clearInterval(timer);
            timers.delete(timer);
            if (sent < body.length) stats.trickleAbandoned++;
            else res.end();
            return;
          }
          res.write(body.subarray(sent, sent + 1));
          sent++;
        }, intervalMs);
        timers.add(timer);
      });
    });
    upstream.on('error', () => res.socket?.destroy());
    req.pipe(upstream);
  };

  const keyFault = (req: http.IncomingMessage, res: http.ServerResponse): boolean => {
    const path = decodeURIComponent(req.url ?? '');
    for (const [match, fault] of keyFaults) {
      if (!path.includes(match)) continue;
      stats.keyRequests[match] = (stats.keyRequests[match] ?? 0) + 1;
      if (fault.kind === 'cut') forward(req, res, true);
      else if (fault.kind === 'delay') {
        req.pause();
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!req.socket.destroyed) forward(req, res, false);
        }, fault.ms);
        timers.add(timer);
      } else if (fault.kind === 'trickle') trickle(req, res, fault.intervalMs);
      else {
        req.resume();
        const body = errorXml(fault.code, `injected ${fault.code}`);
        res.writeHead(fault.status, {
          'content-type': 'application/xml',
          'content-length': Buffer.byteLength(body),
        });
        res.end(body);
      }
      return true;
    }
    return false;
  };

  const server = http.createServer((req, res) => {
    // Clients time out and hang up mid-request on purpose here: never let that crash the proxy.
    req.on('error', () => {});
    res.on('error', () => {});
    stats.requests++;
    if (keyFault(req, res)) return;
    const fault = pick();
    if (fault === undefined) return forward(req, res, false);
    stats.faults[fault]++;
    switch (fault) {
      case '5xx': {
        req.resume();
        req.on('end', () => {
          const unavailable = random() < 0.5;
          const body = unavailable
            ? errorXml('SlowDown', 'Please reduce your request rate.')
            : errorXml('InternalError', 'We encountered an internal error. Please try again.');
          res.writeHead(unavailable ? 503 : 500, {
            'content-type': 'application/xml',
            'content-length': Buffer.byteLength(body),
          });
          res.end(body);
        });
        return;
      }
      case 'slow': {
        req.pause();
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (req.socket.destroyed) return;
          forward(req, res, false);
        }, slowMs);
        timers.add(timer);
        return;
      }
      case 'reset': {
        // GETs with a body are cut mid-response half of the time; otherwise before any answer.
        if (req.method === 'GET' && random() < 0.5) return forward(req, res, true);
        req.socket.destroy();
        return;
      }
    }
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats,
    setRate(r: number) {
      if (!(r >= 0 && r <= 1)) throw new Error(`rate must be within 0..1 (got ${r})`);
      rate = r;
    },
    failNext(n: number, fault?: S3Fault) {
      forced = { n, fault };
    },
    setKeyFault(match: string, fault: KeyFault | undefined) {
      if (fault) keyFaults.set(match, fault);
      else keyFaults.delete(match);
    },
    async stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      agent.destroy();
      await closed;
    },
  };
}
