export { STORAGE_DEFAULTS, STORAGE_ENV_VARS, storageConfigFromEnv, validateStorageConfig } from './config.js';
export { createStorage } from './create-storage.js';
export { fileEtag } from './file-backend.js';
export { classifyS3Error } from './s3-errors.js';
export { isStorageError, StorageError, type StorageErrorCode } from './storage-error.js';
export type {
  GetOptions,
  ListOptions,
  ObjectInfo,
  PutOptions,
  RetryInfo,
  Storage,
  StorageConfig,
} from './types.js';
export { isPrefixUri, joinUri, type ParsedUri, parseUri, uriForKey } from './uri.js';
