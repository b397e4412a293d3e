import { UsageError } from '../../core/errors/index.js';
import { isLoopbackAddress } from '../../core/net/index.js';

/** A bind address on loopback: an address check (127.0.0.0/8, ::1) or exactly `localhost`, never a prefix. */
export function isLoopbackHost(host: string): boolean {
  return host.trim().toLowerCase() === 'localhost' || isLoopbackAddress(host.trim());
}

/** Validates the `port` and `host` of an HTTP endpoint up front, naming the bad option. */
export function validateListen(port: unknown, host: unknown, what: string): { port: number; host: string } {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(
      'INVALID_OPTION',
      `${what}: port must be an integer from 0 to 65535 (0 picks a free port), got ${JSON.stringify(port)}`,
    );
  }
  if (typeof host !== 'string' || host.trim() === '') {
    throw new UsageError(
      'INVALID_OPTION',
      `${what}: host must be a non-empty address such as 127.0.0.1 or 0.0.0.0, got ${JSON.stringify(host)}`,
    );
  }
  return { port, host };
}

/** Parses a CLI/env port string strictly ("9464" yes, "94a", "" or "70000" no). */
export function parsePort(value: string, option: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new UsageError('INVALID_OPTION', `${option} must be a port number from 0 to 65535, got "${value}"`);
  }
  return n;
}

/** `http://host:port` with IPv6 hosts bracketed. */
export function listenUrl(host: string, port: number): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}`;
}

/** A clear error for a failed bind (port taken, address not on this host, no permission). */
export function listenError(err: unknown, host: string, port: number, what: string): Error {
  const code = (err as NodeJS.ErrnoException)?.code;
  const where = `${host}:${port}`;
  if (code === 'EADDRINUSE') {
    return new UsageError('INVALID_OPTION', `${what}: ${where} is already in use; choose another port`, {
      cause: err,
    });
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new UsageError('INVALID_OPTION', `${what}: ${host} is not an address of this host`, {
      cause: err,
    });
  }
  if (code === 'EACCES') {
    return new UsageError(
      'INVALID_OPTION',
      `${what}: no permission to listen on ${where} (ports below 1024 need privileges)`,
      {
        cause: err,
      },
    );
  }
  return err instanceof Error ? err : new Error(String(err));
}
