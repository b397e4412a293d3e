import path from 'node:path';
import { UsageError } from '../core/errors/usage-error.js';
import { int } from '../core/options.js';
import { redactUrl } from '../observability/logger.js';
import type { StorageConfig } from './types.js';

export const STORAGE_DEFAULTS = {
  maxAttempts: 5,
  requestTimeoutMs: 30_000,
  connectTimeoutMs: 5_000,
  retryBaseDelayMs: 100,
  retryMaxDelayMs: 5_000,
  listPageSize: 1000,
} as const;

function envBool(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return undefined;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new UsageError(
    'INVALID_OPTION',
    `${name} must be one of 1, 0, true, false (got ${JSON.stringify(env[name])})`,
  );
}

function envInt(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  return int(min, max)(raw, name);
}

/**
 * Storage settings from the environment. Credentials are NOT read here: the AWS SDK's default provider
 * chain finds them (env keys, profile, SSO, web identity, container/instance metadata).
 */
export function storageConfigFromEnv(env: NodeJS.ProcessEnv = process.env): StorageConfig {
  const config: StorageConfig = {};
  const ignoreAwsEndpoints = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.trim().toLowerCase() === 'true';
  const endpoint =
    env.ZEROSHOT_S3_ENDPOINT ||
    (ignoreAwsEndpoints ? undefined : env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL) ||
    undefined;
  if (endpoint) config.endpoint = endpoint;
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (region) config.region = region;
  const pathStyle = envBool(env, 'ZEROSHOT_S3_FORCE_PATH_STYLE');
  if (pathStyle !== undefined) config.forcePathStyle = pathStyle;
  const attempts = envInt(env, 'ZEROSHOT_S3_MAX_ATTEMPTS', 1, 20);
  if (attempts !== undefined) config.maxAttempts = attempts;
  const timeout = envInt(env, 'ZEROSHOT_S3_TIMEOUT_MS', 100, 3_600_000);
  if (timeout !== undefined) config.requestTimeoutMs = timeout;
  const roots = parseFileRoots(env.ZEROSHOT_FILE_ROOTS, 'ZEROSHOT_FILE_ROOTS');
  if (roots) config.fileRoots = roots;
  const listApi = env.ZEROSHOT_S3_LIST_API?.trim().toLowerCase();
  if (listApi === 'v1' || listApi === 'v2') config.listApi = listApi;
  else if (listApi) {
    throw new UsageError(
      'INVALID_OPTION',
      `ZEROSHOT_S3_LIST_API must be v1 or v2 (got ${JSON.stringify(env.ZEROSHOT_S3_LIST_API)})`,
    );
  }
  return config;
}

/** `/data/a:/data/b` → absolute directories; undefined when unset or empty. */
export function parseFileRoots(raw: string | undefined, name: string): string[] | undefined {
  const roots = (raw ?? '')
    .split(path.delimiter)
    .map((r) => r.trim())
    .filter(Boolean);
  if (roots.length === 0) return undefined;
  const relative = roots.find((r) => !path.isAbsolute(r));
  if (relative !== undefined) {
    throw new UsageError(
      'INVALID_OPTION',
      `${name} must list absolute directories separated by "${path.delimiter}" (got ${JSON.stringify(relative)})`,
    );
  }
  return roots;
}

/** Checks a config object up front; messages name the bad option and what is allowed. */
export function validateStorageConfig(config: StorageConfig): void {
  const bad = (option: string, allowed: string, value: unknown): never => {
    throw new UsageError(
      'INVALID_OPTION',
      `storage option ${option} must be ${allowed} (got ${JSON.stringify(value)})`,
    );
  };
  const int = (option: keyof StorageConfig, min: number, max: number) => {
    const v = config[option];
    if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)) {
      bad(option, `an integer from ${min} to ${max}`, v);
    }
  };
  if (config.endpoint !== undefined) {
    let ok = false;
    try {
      const u = new URL(config.endpoint);
      ok = u.protocol === 'http:' || u.protocol === 'https:';
    } catch {}
    // Never echo a password embedded in the URL.
    if (!ok) bad('endpoint', 'an http:// or https:// URL', redactUrl(String(config.endpoint)));
  }
  if (
    config.region !== undefined &&
    (typeof config.region !== 'string' || !/^[a-z0-9-]+$/.test(config.region))
  ) {
    bad('region', 'a region name such as us-east-1', config.region);
  }
  if (config.forcePathStyle !== undefined && typeof config.forcePathStyle !== 'boolean') {
    bad('forcePathStyle', 'true or false', config.forcePathStyle);
  }
  int('maxAttempts', 1, 20);
  int('requestTimeoutMs', 1, 3_600_000);
  int('connectTimeoutMs', 1, 600_000);
  int('retryBaseDelayMs', 0, 60_000);
  int('retryMaxDelayMs', 0, 600_000);
  int('listPageSize', 1, 1000);
  if (
    config.fileRoots !== undefined &&
    (!Array.isArray(config.fileRoots) ||
      !config.fileRoots.every((r) => typeof r === 'string' && path.isAbsolute(r)))
  ) {
    bad('fileRoots', 'a list of absolute directory paths', config.fileRoots);
  }
  if (config.listApi !== undefined && config.listApi !== 'v1' && config.listApi !== 'v2') {
    bad('listApi', "'v1' or 'v2'", config.listApi);
  }
  const c = config.credentials;
  if (c !== undefined && (typeof c?.accessKeyId !== 'string' || typeof c?.secretAccessKey !== 'string')) {
    // Never echo credential values.
    throw new UsageError(
      'INVALID_OPTION',
      'storage option credentials must be { accessKeyId, secretAccessKey, sessionToken? } strings',
    );
  }
}
