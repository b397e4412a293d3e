import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { S3ServerHandle } from '../support/s3-server.js';

/**
 * s3rver in its own process (see s3rver-main.ts for why: multi-page ListObjectsV2 needs the OpenSSL
 * legacy provider). Also keeps the server's CPU out of the process under test.
 */
export async function startS3ServerProcess(buckets: string[]): Promise<S3ServerHandle> {
  const main = fileURLToPath(new URL('./s3rver-main.js', import.meta.url));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', main, ...buckets], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`s3rver child exited with status ${code} before it was ready`);
  });
  const lines = createInterface({ input: child.stdout });
  const ready = (async () => {
    for await (const line of lines) return JSON.parse(line) as Omit<S3ServerHandle, 'stop'>;
    throw new Error('s3rver child closed stdout before it was ready');
  })();
  const info = await Promise.race([ready, exited]);
  exited.catch(() => {});
  return {
    ...info,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const done = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(timer);
    },
  };
}
