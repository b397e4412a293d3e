import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { UsageError } from '../../core/errors/index.js';

/**
 * DNS rebinding guard. A web page at `http://rebind.evil.example` whose name is re-pointed at 127.0.0.1
 * can make a browser talk to our loopback servers, but the browser still sends `Host: rebind.evil.example`.
 * So a request is served only when its Host is: an IP literal (a page can only send that from the same
 * origin), `localhost`, the bound address, or a name the operator configured (`*` turns the check off).
 */
export interface HostCheckOptions {
  /** The address the server binds to (`127.0.0.1`, `0.0.0.0`, a name). */
  bindHost: string;
  /** Extra Host names to accept (e.g. `dashboard.internal.example`); `*` accepts any. */
  allowedHosts?: readonly string[];
}

/** The name part of a Host header: lower case, no port, no brackets, no trailing dot. */
function hostHeaderName(header: string): string | undefined {
  const h = header.trim().toLowerCase();
  const m = /^\[([0-9a-f:.]+)\](?::\d+)?$/.exec(h) ?? /^([^:[\]]+)(?::\d+)?$/.exec(h);
  return m?.[1]?.replace(/\.$/, '');
}

export function isAllowedHost(header: string | undefined, opts: HostCheckOptions): boolean {
  const allowed = opts.allowedHosts ?? [];
  if (allowed.includes('*')) return true;
  if (!header) return false;
  const name = hostHeaderName(header);
  if (!name) return false;
  if (net.isIP(name) || name === 'localhost') return true;
  const bind = opts.bindHost.toLowerCase().replace(/^\[|\]$/g, '');
  return name === bind || allowed.some((a) => a.toLowerCase().replace(/\.$/, '') === name);
}

/** Splits and checks `--allowed-host` values / a comma-separated env value. */
export function parseAllowedHosts(raw: string | readonly string[] | undefined, option: string): string[] {
  if (raw === undefined) return [];
  const list = (typeof raw === 'string' ? [raw] : raw)
    .flatMap((r) => r.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  for (const h of list) {
    if (h !== '*' && !/^[a-z0-9_]([a-z0-9_.-]{0,251}[a-z0-9_.])?$/i.test(h)) {
      throw new UsageError(
        'INVALID_OPTION',
        `${option}: ${JSON.stringify(h)} is not a host name (give names like dashboard.example.com, or *)`,
      );
    }
  }
  return list;
}

/** Answers 421 Misdirected Request to any request whose Host header is not allowed. */
export function registerHostCheck(app: FastifyInstance, opts: HostCheckOptions): void {
  app.addHook('onRequest', async (req, reply) => {
    if (!isAllowedHost(req.headers.host, opts)) {
      await reply
        .code(421)
        .header('content-type', 'text/plain; charset=utf-8')
        .send('Misdirected Request: this Host is not served here (see --allowed-host)\n');
    }
  });
}
