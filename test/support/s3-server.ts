import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { freePort } from './ports.js';

export interface S3ServerHandle {
  /** Endpoint URL for `AWS_ENDPOINT_URL_S3` / the storage `endpoint` option. */
  endpoint: string;
  port: number;
  /** Static credentials s3rver accepts. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  region: string;
  stop(): Promise<void>;
}

/** Starts a real S3-compatible HTTP server (s3rver) on a free loopback port with the given buckets. */
export async function startS3Server(buckets: string[] = ['zeroshot-test']): Promise<S3ServerHandle> {
  const port = await freePort();
  const directory = mkdtempSync(path.join(os.tmpdir(), 'zeroshot-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name, configs: [] })),
  });
  await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    region: 'us-east-1',
    async stop() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
