// Child-process entry: runs s3rver (test/support/s3-server.ts) and prints its handle as one JSON line.
// Started with --openssl-legacy-provider: s3rver's ListObjectsV2 continuation tokens use DES, which
// OpenSSL 3 (Node >= 17) only offers through the legacy provider; without it every truncated listing is a 500.
import { startS3Server } from '../support/s3-server.js';

const handle = await startS3Server(process.argv.slice(2));
process.stdout.write(`${JSON.stringify({ ...handle, stop: undefined })}\n`);
const stop = async () => {
  await handle.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
