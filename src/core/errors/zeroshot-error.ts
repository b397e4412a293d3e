import type { ErrorCode } from './codes.js';

export interface ErrorInfo {
  code: string;
  message: string;
}

export interface ZeroshotErrorOptions {
  cause?: unknown;
  /** True when trying again later may succeed (network blips, throttling). */
  retryable?: boolean;
}

/** Base class of every error zeroshot raises on purpose: a stable `code` and a human message. */
export class ZeroshotError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: ZeroshotErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }

  toJSON(): ErrorInfo {
    return { code: this.code, message: this.message };
  }
}

/** Turns anything thrown into `{ code, message }` without leaking stack traces into results. */
export function toErrorInfo(err: unknown): ErrorInfo {
  if (err instanceof ZeroshotError) return err.toJSON();
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message };
}
