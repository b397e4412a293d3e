import type { Readable } from 'node:stream';
import {
  type _Object,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { STORAGE_DEFAULTS } from './config.js';
import { bodyBytes, type PutBody } from './put-body.js';
import { type RetryPolicy, withRetry } from './retry.js';
import { createS3Client } from './s3-client.js';
import { mapS3Error } from './s3-errors.js';
import { StorageError } from './storage-error.js';
import type { GetOptions, ListOptions, ObjectInfo, PutOptions, StorageConfig } from './types.js';
import { parseUri } from './uri.js';

function stripQuotes(etag: string | undefined): string | undefined {
  return etag?.replace(/^(W\/)?"|"$/g, '');
}

function s3Parts(uri: string): { bucket: string; key: string } {
  const p = parseUri(uri);
  if (p.scheme !== 's3') throw new StorageError('STORAGE_INVALID_URI', `not an s3:// URI: ${uri}`, { uri });
  return { bucket: p.bucket, key: p.key };
}

function requireObjectKey(op: string, uri: string, key: string): void {
  if (key === '' || key.endsWith('/')) {
    throw new StorageError('STORAGE_INVALID_URI', `${op} ${uri}: a prefix is not an object`, { uri });
  }
}

/** Reads a body stream into one Buffer, never holding more than `maxBytes`; checks the announced length. */
async function readBody(
  body: Readable,
  uri: string,
  maxBytes: number | undefined,
  contentLength: number | undefined,
  signal: AbortSignal | undefined,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  // The SDK's abortSignal stops the request, not necessarily a body already streaming: a body trickling
  // one byte at a time must still end at the caller's deadline.
  const onAbort = () => body.destroy(signal?.reason ?? new Error('aborted'));
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const chunk of body) {
      const buf = chunk as Buffer;
      total += buf.length;
      if (maxBytes !== undefined && total > maxBytes) {
        throw new StorageError('STORAGE_TOO_LARGE', `S3 get ${uri}: more than ${maxBytes} bytes`, { uri });
      }
      chunks.push(buf);
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    body.destroy();
  }
  if (contentLength !== undefined && total !== contentLength) {
    // A connection cut mid-body can end the stream quietly: treat as transient, the GET is retried.
    throw Object.assign(new Error(`body ended after ${total} of ${contentLength} bytes`), {
      name: 'IncompleteBody',
    });
  }
  return Buffer.concat(chunks, total);
}

/** `s3://bucket/key` backend over @aws-sdk/client-s3 with bounded retries on transient errors. */
export class S3Backend {
  private readonly client: S3Client;
  private readonly policy: RetryPolicy;
  private readonly pageSize: number;
  private readonly listApi: 'v1' | 'v2';
  private readonly secrets: string[];

  constructor(config: StorageConfig, onRetry: RetryPolicy['onRetry']) {
    this.client = createS3Client(config);
    this.policy = {
      maxAttempts: config.maxAttempts ?? STORAGE_DEFAULTS.maxAttempts,
      baseDelayMs: config.retryBaseDelayMs ?? STORAGE_DEFAULTS.retryBaseDelayMs,
      maxDelayMs: config.retryMaxDelayMs ?? STORAGE_DEFAULTS.retryMaxDelayMs,
      onRetry,
    };
    this.pageSize = config.listPageSize ?? STORAGE_DEFAULTS.listPageSize;
    this.listApi = config.listApi ?? 'v2';
    this.secrets = [config.credentials?.secretAccessKey, config.credentials?.sessionToken].filter(
      (s): s is string => typeof s === 'string',
    );
  }

  private run<T>(op: string, uri: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    return withRetry(op, uri, this.policy, signal, (err) => mapS3Error(err, op, uri, this.secrets), fn);
  }

  /**
   * Page by page, one retried request per page: ListObjectsV2 with continuation tokens, or (listApi
   * 'v1') ListObjects with Marker = the last key of the previous page, for S3-compatible stores whose V2
   * paging is broken.
   */
  async *list(prefixUri: string, opts: ListOptions = {}): AsyncGenerator<ObjectInfo> {
    const { bucket, key: prefix } = s3Parts(prefixUri);
    let after = opts.startAfter === undefined ? undefined : s3Parts(opts.startAfter).key;
    let token: string | undefined;
    for (;;) {
      const page = await this.listPage(prefixUri, bucket, prefix, token, after, opts.signal);
      const contents = page.Contents ?? [];
      for (const obj of contents) {
        // "folder" marker objects (keys ending in /) are not objects of interest.
        if (!obj.Key || obj.Key.endsWith('/')) continue;
        yield {
          uri: `s3://${bucket}/${obj.Key}`,
          size: obj.Size ?? 0,
          ...(obj.ETag ? { etag: stripQuotes(obj.ETag) } : {}),
          ...(obj.LastModified ? { lastModified: obj.LastModified } : {}),
        };
      }
      if (!page.IsTruncated) return;
      if (this.listApi === 'v2') {
        token = page.NextContinuationToken;
        if (!token) throw this.stuck(prefixUri, 'truncated page without a continuation token');
      } else {
        const last = contents.at(-1)?.Key;
        if (!last || (after !== undefined && last <= after))
          throw this.stuck(prefixUri, 'truncated page that does not advance');
        after = last;
      }
    }
  }

  private stuck(prefixUri: string, why: string): StorageError {
    return new StorageError('STORAGE_FAILED', `S3 list ${prefixUri}: ${why}`, { uri: prefixUri });
  }

  private listPage(
    prefixUri: string,
    bucket: string,
    prefix: string,
    token: string | undefined,
    after: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<{ Contents?: _Object[]; IsTruncated?: boolean; NextContinuationToken?: string }> {
    return this.run('list', prefixUri, signal, () => {
      if (this.listApi === 'v1') {
        const input = {
          Bucket: bucket,
          Prefix: prefix,
          MaxKeys: this.pageSize,
          ...(after ? { Marker: after } : {}),
        };
        return this.client.send(new ListObjectsCommand(input), { abortSignal: signal });
      }
      const input = {
        Bucket: bucket,
        Prefix: prefix,
        MaxKeys: this.pageSize,
        ...(token ? { ContinuationToken: token } : after ? { StartAfter: after } : {}),
      };
      return this.client.send(new ListObjectsV2Command(input), { abortSignal: signal });
    });
  }

  async get(uri: string, opts: GetOptions = {}): Promise<{ body: Buffer; etag?: string }> {
    const { bucket, key } = s3Parts(uri);
    requireObjectKey('get', uri, key);
    const { maxBytes, signal } = opts;
    // Request and body read are one unit: a reset mid-body retries the whole GET.
    return this.run('get', uri, signal, async () => {
      const res = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), {
        abortSignal: signal,
      });
      const body = res.Body as Readable | undefined;
      if (maxBytes !== undefined && res.ContentLength !== undefined && res.ContentLength > maxBytes) {
        body?.destroy();
        throw new StorageError(
          'STORAGE_TOO_LARGE',
          `S3 get ${uri}: ${res.ContentLength} bytes exceeds the limit of ${maxBytes}`,
          { uri },
        );
      }
      const buf = body ? await readBody(body, uri, maxBytes, res.ContentLength, signal) : Buffer.alloc(0);
      const etag = stripQuotes(res.ETag);
      return etag === undefined ? { body: buf } : { body: buf, etag };
    });
  }

  async head(uri: string): Promise<ObjectInfo | undefined> {
    const { bucket, key } = s3Parts(uri);
    if (key === '' || key.endsWith('/')) return undefined;
    try {
      const res = await this.run('head', uri, undefined, () =>
        this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })),
      );
      return {
        uri,
        size: res.ContentLength ?? 0,
        ...(res.ETag ? { etag: stripQuotes(res.ETag) } : {}),
        ...(res.LastModified ? { lastModified: res.LastModified } : {}),
      };
    } catch (err) {
      // HEAD responses have no body: a missing bucket also reads as a plain 404 here.
      if (err instanceof StorageError && err.code === 'STORAGE_NOT_FOUND') return undefined;
      throw err;
    }
  }

  /** S3 PUT is atomic: readers see the old object or the new one. */
  async put(uri: string, body: PutBody, opts: PutOptions = {}): Promise<{ etag?: string }> {
    const { bucket, key } = s3Parts(uri);
    requireObjectKey('put', uri, key);
    const bytes = bodyBytes(body);
    const res = await this.run('put', uri, undefined, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: bytes,
          ContentLength: bytes.length,
          ...(opts.contentType ? { ContentType: opts.contentType } : {}),
        }),
      ),
    );
    const etag = stripQuotes(res.ETag);
    return etag === undefined ? {} : { etag };
  }

  async delete(uri: string): Promise<void> {
    const { bucket, key } = s3Parts(uri);
    requireObjectKey('delete', uri, key);
    try {
      await this.run('delete', uri, undefined, () =>
        this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })),
      );
    } catch (err) {
      if (err instanceof StorageError && err.code === 'STORAGE_NOT_FOUND') return;
      throw err;
    }
  }

  close(): void {
    this.client.destroy();
  }
}
