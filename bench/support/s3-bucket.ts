// Direct S3 access for the bench itself: uploading the photos under many keys and reading results back.
import { GetObjectCommand, ListObjectsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Photo } from './photos.js';
import type { BenchServices } from './services.js';
import { runPool } from './timing.js';

export class BenchBucket {
  private readonly client: S3Client;

  constructor(private readonly services: BenchServices) {
    this.client = new S3Client({
      endpoint: services.s3.endpoint,
      region: services.s3.region,
      forcePathStyle: true,
      credentials: services.s3.credentials,
    });
  }

  uri(key: string): string {
    return `s3://${this.services.bucket}/${key}`;
  }

  /** Uploads `count` objects under `prefix`, cycling through the photos: `<prefix><copy>/<name>`. */
  async uploadPhotos(prefix: string, photos: Photo[], count: number, concurrency = 16): Promise<number> {
    const start = performance.now();
    await runPool(count, concurrency, async (i) => {
      const photo = photos[i % photos.length]!;
      const copy = Math.floor(i / photos.length);
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.services.bucket,
          Key: `${prefix}${String(copy).padStart(4, '0')}/${photo.name}`,
          Body: photo.data,
          ContentType: 'image/jpeg',
        }),
      );
    });
    return performance.now() - start;
  }

  /** ListObjects (v1, markers): s3rver's v2 continuation tokens fail under OpenSSL 3 (see services.ts). */
  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let marker: string | undefined;
    for (;;) {
      const page = await this.client.send(
        new ListObjectsCommand({ Bucket: this.services.bucket, Prefix: prefix, Marker: marker }),
      );
      const got = (page.Contents ?? []).map((o) => o.Key).filter((k): k is string => Boolean(k));
      keys.push(...got);
      if (!page.IsTruncated || got.length === 0) return keys;
      marker = got[got.length - 1];
    }
  }

  async getText(key: string): Promise<string> {
    const res = await this.client.send(new GetObjectCommand({ Bucket: this.services.bucket, Key: key }));
    return (await res.Body?.transformToString('utf8')) ?? '';
  }

  close(): void {
    this.client.destroy();
  }
}
