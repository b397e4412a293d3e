import { StorageError } from './storage-error.js';

/**
 * Storage URIs. Both schemes are taken literally (no percent-decoding), like the AWS CLI treats
 * `s3://bucket/key`: `file:///data/my photo.jpg` names the file `/data/my photo.jpg`.
 * A URI ending with `/` is a prefix (a "directory"); anything else names one object.
 */
export type ParsedUri =
  | { scheme: 's3'; bucket: string; key: string }
  | { scheme: 'file'; path: string; key: string };

/** S3 bucket naming rules (3-63 chars, lowercase letters, digits, dots, hyphens; starts/ends alnum). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function invalid(uri: string, why: string): never {
  throw new StorageError('STORAGE_INVALID_URI', `invalid storage URI ${JSON.stringify(uri)}: ${why}`, {
    uri,
  });
}

function checkChars(uri: string, text: string): void {
  if (text.includes('\0')) invalid(uri, 'contains a NUL character');
  if (text.includes('\\')) invalid(uri, 'contains a backslash (use / as separator)');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what we reject
  if (/[\u0000-\u001f\u007f]/.test(text)) invalid(uri, 'contains a control character');
}

/** `.` and `..` segments are never allowed: keys must not escape their prefix. */
function checkSegments(uri: string, key: string, allowEmpty: boolean): void {
  const segments = key.split('/');
  segments.forEach((seg, i) => {
    if (seg === '.' || seg === '..') invalid(uri, `path segment "${seg}" is not allowed`);
    const trailing = i === segments.length - 1;
    if (seg === '' && !trailing && !allowEmpty) invalid(uri, 'empty path segment ("//")');
  });
}

/**
 * Splits `s3://bucket/key` into bucket and key (key may be empty: the bucket root) and `file:///abs/path`
 * into an absolute path (`key` is the path without its leading `/`). Throws STORAGE_INVALID_URI.
 */
export function parseUri(uri: string): ParsedUri {
  if (typeof uri !== 'string' || uri === '') invalid(String(uri), 'expected a non-empty string');
  checkChars(uri, uri);
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(.*)$/s.exec(uri);
  if (!match) invalid(uri, 'expected s3://bucket/key or file:///absolute/path');
  const scheme = match[1]!.toLowerCase();
  const rest = match[2]!;
  if (scheme === 's3') {
    const slash = rest.indexOf('/');
    const bucket = slash === -1 ? rest : rest.slice(0, slash);
    const key = slash === -1 ? '' : rest.slice(slash + 1);
    if (!BUCKET.test(bucket)) {
      invalid(uri, `bucket name "${bucket}" is not valid (3-63 lowercase letters, digits, dots, hyphens)`);
    }
    if (key.startsWith('/')) invalid(uri, 'key starts with "/"');
    // S3 keys may legitimately contain "//", but never "." or ".." segments here.
    checkSegments(uri, key, true);
    return { scheme: 's3', bucket, key };
  }
  if (scheme === 'file') {
    let path = rest;
    if (path.startsWith('localhost/')) path = path.slice('localhost'.length);
    if (!path.startsWith('/')) {
      invalid(uri, 'file URIs need an absolute path: file:///abs/path (three slashes)');
    }
    const key = path.slice(1);
    checkSegments(uri, key, false);
    return { scheme: 'file', path, key };
  }
  invalid(uri, `unsupported scheme "${scheme}:" (allowed: s3://, file://)`);
}

/** True when the URI names a prefix (ends with `/`), i.e. something to list rather than one object. */
export function isPrefixUri(uri: string): boolean {
  return uri.endsWith('/');
}

/**
 * Appends path parts to a prefix URI: `joinUri('s3://b/out/', runId, 'part-000001.jsonl')`.
 * Parts may contain `/`; every segment must be non-empty and not `.`/`..`, without NUL or backslashes,
 * and no part may be absolute. Only the last part may end with `/` (the result is then a prefix).
 */
export function joinUri(prefixUri: string, ...parts: string[]): string {
  parseUri(prefixUri);
  let out = prefixUri.endsWith('/') ? prefixUri : `${prefixUri}/`;
  parts.forEach((part, i) => {
    const where = `${prefixUri} + ${JSON.stringify(part)}`;
    if (typeof part !== 'string' || part === '') invalid(where, 'empty path part');
    checkChars(where, part);
    if (part.startsWith('/')) invalid(where, 'absolute path part (starts with "/")');
    if (part.includes('://')) invalid(where, 'path part looks like a URI');
    if (/^[a-zA-Z]:/.test(part)) invalid(where, 'path part looks like a drive letter');
    const last = i === parts.length - 1;
    const body = last && part.endsWith('/') ? part.slice(0, -1) : part;
    for (const seg of body.split('/')) {
      if (seg === '') invalid(where, 'empty path segment');
      if (seg === '.' || seg === '..') invalid(where, `path segment "${seg}" is not allowed`);
    }
    out += last ? part : `${part}/`;
  });
  parseUri(out);
  return out;
}
