import { StorageError, type StorageErrorCode } from './storage-error.js';

const NOT_FOUND_NAMES = new Set(['NoSuchKey', 'NotFound']);
const BUCKET_NAMES = new Set(['NoSuchBucket']);
const DENIED_NAMES = new Set([
  'AccessDenied',
  'AllAccessDisabled',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'CredentialsProviderError',
  'AccountProblem',
]);
const TRANSIENT_NAMES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'ServiceUnavailable',
  'TimeoutError',
  'IncompleteBody',
]);
const TRANSIENT_SYSCALL = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);
const TRANSIENT_MESSAGE =
  /socket hang up|ECONNRESET|EPIPE|ETIMEDOUT|aborted|premature close|timed out|Client network socket disconnected/i;

interface SdkLikeError {
  name?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number };
  cause?: unknown;
}

export function httpStatusOf(err: unknown): number | undefined {
  const e = err as SdkLikeError | undefined;
  return e?.$metadata?.httpStatusCode ?? e?.$response?.statusCode;
}

/** The classification alone, for tests and for callers holding raw SDK errors. */
export function classifyS3Error(err: unknown): StorageErrorCode {
  const e = (err ?? {}) as SdkLikeError;
  const name = e.name ?? '';
  const status = httpStatusOf(err);
  if (BUCKET_NAMES.has(name)) return 'STORAGE_BUCKET_NOT_FOUND';
  // A 403 too, but not a permission problem: the object is in Glacier / Deep Archive.
  if (name === 'InvalidObjectState') return 'STORAGE_ARCHIVED';
  if (NOT_FOUND_NAMES.has(name) || status === 404) return 'STORAGE_NOT_FOUND';
  if (DENIED_NAMES.has(name) || status === 403 || status === 401) return 'STORAGE_ACCESS_DENIED';
  if (TRANSIENT_NAMES.has(name) || e.$retryable) return 'STORAGE_TRANSIENT';
  if (status !== undefined && (status >= 500 || status === 429 || status === 408)) return 'STORAGE_TRANSIENT';
  const code = e.code ?? (e.cause as SdkLikeError | undefined)?.code;
  if (code && TRANSIENT_SYSCALL.has(code)) return 'STORAGE_TRANSIENT';
  // Network failures surface without an HTTP status; anything with a status was a real answer.
  if (status === undefined && TRANSIENT_MESSAGE.test(e.message ?? '')) return 'STORAGE_TRANSIENT';
  return 'STORAGE_FAILED';
}

/** Removes any secret the caller handed us from a message, should an SDK ever echo one. */
function scrub(message: string, secrets: string[]): string {
  let out = message;
  for (const s of secrets) if (s && s.length >= 8) out = out.split(s).join('***');
  return out.length > 300 ? `${out.slice(0, 300)}…` : out;
}

/**
 * Maps an AWS SDK (or socket) error to a StorageError. Messages carry the operation, URI, S3 error name
 * and HTTP status; auth failures carry no server text (it can include the string-to-sign and key id).
 */
export function mapS3Error(err: unknown, op: string, uri: string, secrets: string[] = []): StorageError {
  if (err instanceof StorageError) return err;
  const e = (err ?? {}) as SdkLikeError;
  const code = classifyS3Error(err);
  const status = httpStatusOf(err);
  const name = e.name && e.name !== 'Error' ? e.name : (e.code ?? 'Error');
  const where = `S3 ${op} ${uri}`;
  const http = status === undefined ? '' : ` (HTTP ${status})`;
  let message: string;
  switch (code) {
    case 'STORAGE_NOT_FOUND':
      message = `${where}: not found${http}`;
      break;
    case 'STORAGE_BUCKET_NOT_FOUND':
      message = `${where}: the bucket does not exist${http}`;
      break;
    case 'STORAGE_ARCHIVED':
      message = `${where}: the object is archived (InvalidObjectState${http}): restore it before reading`;
      break;
    case 'STORAGE_ACCESS_DENIED':
      message =
        name === 'CredentialsProviderError'
          ? `${where}: no AWS credentials found (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or an instance role)`
          : `${where}: access denied: ${name}${http}`;
      break;
    default:
      message = `${where}: ${name}${http}: ${scrub(e.message ?? String(err), secrets)}`;
      if (name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed' || status === 301) {
        message += ' (the bucket is in another region: set AWS_REGION)';
      }
  }
  return new StorageError(code, message, { cause: err, uri, ...(status === undefined ? {} : { status }) });
}
