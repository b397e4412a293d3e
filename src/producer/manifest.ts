import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { UsageError } from '../core/errors/index.js';
import type { ChunkImage } from '../jobs/index.js';
import type { Storage } from '../storage/types.js';
import { checkSourceUri, checkUri } from './uris.js';

/** Largest manifest read from object storage (the Storage interface buffers a GET). */
export const MAX_REMOTE_MANIFEST_BYTES = 1024 * 1024 * 1024;

type Format = 'jsonl' | 'csv' | 'lines';

/** Lines of a manifest: streamed from disk for file://, from one buffered GET for s3://. */
async function* manifestLines(storage: Storage, uri: string): AsyncGenerator<string> {
  const parsed = checkUri(uri, '--manifest');
  const input =
    parsed.scheme === 'file'
      ? createReadStream(parsed.path, { encoding: 'utf8' })
      : Readable.from([
          (await storage.get(uri, { maxBytes: MAX_REMOTE_MANIFEST_BYTES })).body.toString('utf8'),
        ]);
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) yield line;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new UsageError('INVALID_OPTION', `--manifest: ${uri} does not exist`);
    throw err;
  } finally {
    lines.close();
    if ('destroy' in input) input.destroy();
  }
}

/** Splits one CSV record (RFC 4180 quoting, no multi-line fields). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out.map((f) => f.trim());
}

function formatOf(uri: string, firstLine: string): Format {
  const lower = uri.toLowerCase();
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson') || lower.endsWith('.json')) return 'jsonl';
  if (lower.endsWith('.csv')) return 'csv';
  const t = firstLine.trim();
  if (t.startsWith('{') || t.startsWith('"')) return 'jsonl';
  if (/(^|,)\s*"?uri"?\s*(,|$)/i.test(t)) return 'csv';
  return 'lines';
}

/**
 * The images of a manifest, validated line by line. JSONL: `{"uri": "...", "etag"?: "..."}` or a JSON
 * string per line; CSV: a header with a `uri` column (and optionally `etag`); otherwise one URI per line.
 * Blank lines and lines starting with `#` (plain/CSV) are skipped. Errors name the line.
 */
export async function* readManifest(storage: Storage, uri: string): AsyncGenerator<ChunkImage> {
  let format: Format | undefined;
  let uriCol = -1;
  let etagCol = -1;
  let n = 0;
  for await (const raw of manifestLines(storage, uri)) {
    n++;
    const line = n === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (line.trim() === '') continue;
    format ??= formatOf(uri, line);
    const where = `--manifest ${uri} line ${n}`;
    const bad: (why: string) => never = (why) => {
      throw new UsageError('INVALID_OPTION', `${where}: ${why}`);
    };
    let image: ChunkImage;
    if (format === 'jsonl') {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        bad('not valid JSON (expected {"uri": "s3://bucket/key"})');
      }
      if (typeof value === 'string') image = { uri: value };
      else if (value && typeof value === 'object' && typeof (value as { uri?: unknown }).uri === 'string') {
        const v = value as { uri: string; etag?: unknown };
        image = { uri: v.uri, ...(typeof v.etag === 'string' && v.etag ? { etag: v.etag } : {}) };
      } else bad('expected an object with a string "uri" field');
    } else if (format === 'csv') {
      if (line.trimStart().startsWith('#')) continue;
      const fields = splitCsvLine(line);
      if (uriCol < 0) {
        uriCol = fields.findIndex((f) => f.toLowerCase() === 'uri');
        etagCol = fields.findIndex((f) => f.toLowerCase() === 'etag');
        if (uriCol < 0) bad('CSV manifests need a header row with a "uri" column');
        continue;
      }
      const u = fields[uriCol];
      if (!u) bad(`no value in the "uri" column`);
      const etag = etagCol >= 0 ? fields[etagCol] : undefined;
      image = { uri: u, ...(etag ? { etag } : {}) };
    } else {
      const t = line.trim();
      if (t.startsWith('#')) continue;
      image = { uri: t };
    }
    if (checkSourceUri(image.uri, where).prefix) {
      bad(`${JSON.stringify(image.uri)} is a prefix; manifests list single images`);
    }
    if (image.etag && image.etag.length > 256) bad('etag longer than 256 characters');
    yield image;
  }
}
