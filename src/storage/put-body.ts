import type { FileHandle } from 'node:fs/promises';

/**
 * Content that is produced line by line (result parts): never joined into one string, so its size is not
 * bounded by the JavaScript string limit. `lines()` may be called again when a write is retried.
 */
export interface LineSource {
  lines(): Iterable<string>;
}

export type PutBody = Buffer | string | LineSource;

const isLineSource = (body: PutBody): body is LineSource =>
  typeof body === 'object' && !Buffer.isBuffer(body);

/** Lines are written in batches of about this many bytes. */
const BATCH_BYTES = 1024 * 1024;

/** Writes `body` at the handle's position; line sources in ~1 MiB batches. */
export async function writeBody(fh: FileHandle, body: PutBody): Promise<void> {
  if (!isLineSource(body)) {
    await fh.writeFile(body);
    return;
  }
  let batch: Buffer[] = [];
  let size = 0;
  for (const line of body.lines()) {
    const buf = Buffer.from(line);
    batch.push(buf);
    size += buf.length;
    if (size >= BATCH_BYTES) {
      await fh.write(Buffer.concat(batch, size));
      batch = [];
      size = 0;
    }
  }
  if (size > 0) await fh.write(Buffer.concat(batch, size));
}

/** One Buffer of the whole body, for stores that need the length up front (S3 PutObject). */
export function bodyBytes(body: PutBody): Buffer {
  if (typeof body === 'string') return Buffer.from(body);
  if (Buffer.isBuffer(body)) return body;
  const pieces: Buffer[] = [];
  let size = 0;
  for (const line of body.lines()) {
    const buf = Buffer.from(line);
    pieces.push(buf);
    size += buf.length;
  }
  return Buffer.concat(pieces, size);
}
