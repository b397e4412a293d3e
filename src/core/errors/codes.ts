/**
 * Every error code zeroshot can report, with a one-line meaning. Codes are part of the
 * public contract (result files, metrics labels, CLI JSON): never rename one, only add.
 */
export const ERROR_CODES = {
  // per image
  IMAGE_NOT_FOUND: 'the image file or object does not exist',
  IMAGE_EMPTY: 'the image has zero bytes',
  IMAGE_TOO_LARGE: 'the image exceeds the maximum input size in bytes',
  IMAGE_TOO_MANY_PIXELS: 'the image dimensions exceed the pixel limit (decompression bomb guard)',
  IMAGE_UNSUPPORTED_FORMAT: 'the data is not an image format that can be decoded',
  IMAGE_CORRUPT: 'the image is truncated or corrupt and could not be decoded',
  IMAGE_FETCH_FAILED: 'the image could not be downloaded or read',
  // models and runtime
  MODEL_NOT_FOUND: 'no model directory could be resolved',
  MODEL_FILE_MISSING: 'a file the model needs is missing',
  MODEL_FILE_CORRUPT: 'a model file exists but cannot be parsed',
  MODEL_CONFIG_INVALID: 'a model configuration value is missing or invalid',
  MODEL_UNSUPPORTED: 'the model type or graph is not supported',
  MODEL_LOAD_FAILED: 'ONNX Runtime could not create a session for the model',
  MODEL_DOWNLOAD_FAILED: 'downloading a model from the hub failed',
  PROVIDER_UNAVAILABLE: 'the requested execution provider is not available',
  INFERENCE_FAILED: 'ONNX Runtime failed while running the model',
  // usage
  INVALID_OPTION: 'an option has an invalid value',
  INVALID_LABELS: 'the label set is empty, has duplicates or invalid entries',
  // storage
  STORAGE_INVALID_URI: 'a storage URI is malformed or not allowed',
  STORAGE_NOT_FOUND: 'the object or prefix does not exist',
  STORAGE_BUCKET_NOT_FOUND: 'the bucket does not exist',
  STORAGE_ACCESS_DENIED: 'the credentials are not allowed to do this',
  STORAGE_TRANSIENT:
    'a transient storage failure (5xx, throttling, timeout, reset) that outlasted its retries',
  STORAGE_FAILED: 'a storage request failed',
  // jobs and runs
  JOB_INVALID_PAYLOAD: 'a job payload failed validation',
  JOB_PAYLOAD_TOO_LARGE: 'a job payload exceeds the size limit',
  RUN_NOT_FOUND: 'no run with that id exists',
  RUN_CANCELLED: 'the run was cancelled',
  REDIS_UNAVAILABLE: 'Redis could not be reached',
  INTERNAL: 'an unexpected internal error',
  // stored image embeddings (never surfaced as an image error: the image is embedded again)
  EMBEDDING_PACK_CORRUPT: 'a stored image-embedding pack is truncated, corrupt or of another model',
  // storage (appended)
  STORAGE_TOO_LARGE: 'the object is larger than the caller allows (GetOptions.maxBytes)',
  // per image (appended)
  IMAGE_ACCESS_DENIED: 'reading the image was refused (HTTP 403, EACCES/EPERM)',
  IMAGE_ARCHIVED:
    'the object is archived (S3 InvalidObjectState: Glacier/Deep Archive) and must be restored first',
  IMAGE_NOT_REGULAR_FILE: 'the path is not a regular file (a directory, FIFO, device or socket)',
  IMAGE_OUTSIDE_ROOTS: 'the file:// path is outside the configured root directories (ZEROSHOT_FILE_ROOTS)',
  // storage (appended)
  STORAGE_ARCHIVED: 'the object is archived (S3 InvalidObjectState) and cannot be read until restored',
  STORAGE_NOT_REGULAR_FILE: 'the path is not a regular file (a directory, FIFO, device or socket)',
  STORAGE_OUTSIDE_ROOTS: 'the file:// path is outside the configured root directories',
  // runs (appended)
  RUN_PRODUCER_LOST: 'the producer of a run stopped (or lost its lease) before sealing it: the run failed',
  WAIT_TIMEOUT: 'waiting for a run gave up at its timeout; the run itself goes on',
  // per image (appended)
  RUN_ID_CONFLICT: 'a run with that id already exists with a different spec (labels, output, ...)',
  IMAGE_SOURCE_FORBIDDEN:
    'the image URL is not allowed (http(s) sources disabled, host not in the allow-list, or a non-public address)',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Codes that mean "trying again later may succeed". Errors of other codes can still carry `retryable: true`
 * on one instance (an IMAGE_FETCH_FAILED after an HTTP 503); these are retryable whatever the instance.
 */
export const RETRYABLE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'STORAGE_TRANSIENT',
  'REDIS_UNAVAILABLE',
]);

/** True when `code` is retryable by nature (see RETRYABLE_CODES). */
export const isRetryableCode = (code: string): boolean => RETRYABLE_CODES.has(code as ErrorCode);
