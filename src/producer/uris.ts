import { UsageError } from '../core/errors/index.js';
import { LIMITS } from '../jobs/index.js';
import type { Storage } from '../storage/types.js';
import { isPrefixUri, type ParsedUri, parseUri } from '../storage/uri.js';

/**
 * Checks one URI given to the producer and names the option it came from. Allowed: `s3://bucket/key` and
 * `file:///abs/path`; no `.`/`..` segments, control characters or backslashes (see storage/uri.ts).
 */
export function checkUri(uri: string, option: string): ParsedUri {
  if (typeof uri !== 'string' || uri.length === 0) {
    throw new UsageError(
      'INVALID_OPTION',
      `${option}: expected a URI (s3://bucket/key or file:///path), got an empty value`,
    );
  }
  if (uri.length > LIMITS.maxUriChars) {
    throw new UsageError('INVALID_OPTION', `${option}: URI longer than ${LIMITS.maxUriChars} characters`);
  }
  try {
    return parseUri(uri);
  } catch (err) {
    throw new UsageError('INVALID_OPTION', `${option}: ${(err as Error).message}`, { cause: err });
  }
}

/** A source: a prefix to list (ends with `/`) or one image object. */
export function checkSourceUri(uri: string, option = 'source'): { uri: string; prefix: boolean } {
  const parsed = checkUri(uri, option);
  const prefix = isPrefixUri(uri);
  if (!prefix && (parsed.key === '' || parsed.key.endsWith('/'))) {
    throw new UsageError(
      'INVALID_OPTION',
      `${option}: ${JSON.stringify(uri)} names no object (end a prefix with "/")`,
    );
  }
  return { uri, prefix };
}

/**
 * The output prefix: `s3://bucket[/prefix]` or `file:///dir`. Normalized to end with `/`. Must stay inside
 * its bucket or directory: traversal segments and bucket-less URIs are rejected.
 */
export function checkOutputUri(uri: string, option = '--output'): string {
  const parsed = checkUri(uri, option);
  if (parsed.scheme === 'file' && parsed.path === '/') {
    throw new UsageError('INVALID_OPTION', `${option}: refusing to write results at the filesystem root`);
  }
  return uri.endsWith('/') ? uri : `${uri}/`;
}

/**
 * Fails early when an S3 output bucket does not exist (one listing request), instead of letting every chunk
 * fail in the workers. Other listing errors (e.g. a write-only policy denying List) are not fatal here.
 */
export async function checkOutputBucket(storage: Storage, output: string): Promise<void> {
  if (!output.startsWith('s3://')) return;
  try {
    for await (const _ of storage.list(output)) break;
  } catch (err) {
    if ((err as { code?: string }).code === 'STORAGE_BUCKET_NOT_FOUND') {
      throw new UsageError('INVALID_OPTION', `--output ${output}: ${(err as Error).message}`, { cause: err });
    }
  }
}
