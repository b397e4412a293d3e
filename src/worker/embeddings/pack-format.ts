import { createHash } from 'node:crypto';
import { ZeroshotError } from '../../core/errors/index.js';
import { readFloat16LE, writeFloat16LE } from '../../core/runtime/float16.js';

/**
 * Binary layout of one chunk's stored image embeddings (`part-<chunk>.f16`), little-endian:
 *
 *   0  8 bytes  magic "ZSEMBF16"
 *   8  u32      format version (1)
 *  12  u32      dim (floats per row)
 *  16  u32      count (rows)
 *  20  u32      reserved (0)
 *  24  count × 8 bytes   row keys: first 8 bytes of sha256(model id \n uri \n etag)
 *      count × dim × 2   rows, binary16
 * end  8 bytes  first 8 bytes of sha256(everything before)
 *
 * The row key lets a reader prove that row i is the embedding of (model, uri, etag) even if the pack was
 * overwritten by a retried chunk that saw a different ETag; the checksum catches truncation and bit rot.
 */
const MAGIC = Buffer.from('ZSEMBF16', 'latin1');
const VERSION = 1;
const HEADER_BYTES = 24;
const KEY_BYTES = 8;
const CHECKSUM_BYTES = 8;
/** Guards against absurd headers before allocating anything. */
const MAX_DIM = 65_536;
const MAX_ROWS = 1_000_000;

export interface PackRow {
  key: Buffer;
  embedding: Float32Array;
}

export interface PackView {
  dim: number;
  count: number;
  /** Row key (8 bytes) of row `i`. */
  key(i: number): Buffer;
  /** Decoded float32 copy of row `i`. */
  row(i: number): Float32Array;
}

/** The 8-byte identity of one stored embedding: model id, image URI and the ETag it was computed from. */
export function rowKey(modelId: string, uri: string, etag: string): Buffer {
  return createHash('sha256').update(`${modelId}\n${uri}\n${etag}`).digest().subarray(0, KEY_BYTES);
}

function checksum(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest().subarray(0, CHECKSUM_BYTES);
}

function corrupt(message: string): ZeroshotError {
  return new ZeroshotError('EMBEDDING_PACK_CORRUPT', message);
}

export function encodePack(dim: number, rows: PackRow[]): Buffer {
  if (!Number.isInteger(dim) || dim < 1 || dim > MAX_DIM) {
    throw new RangeError(`dim must be an integer in 1..${MAX_DIM} (got ${dim})`);
  }
  const count = rows.length;
  const size = HEADER_BYTES + count * KEY_BYTES + count * dim * 2 + CHECKSUM_BYTES;
  const buf = Buffer.alloc(size);
  MAGIC.copy(buf, 0);
  buf.writeUInt32LE(VERSION, 8);
  buf.writeUInt32LE(dim, 12);
  buf.writeUInt32LE(count, 16);
  buf.writeUInt32LE(0, 20);
  let o = HEADER_BYTES;
  for (const r of rows) {
    if (r.key.length !== KEY_BYTES)
      throw new RangeError(`row keys are ${KEY_BYTES} bytes (got ${r.key.length})`);
    r.key.copy(buf, o);
    o += KEY_BYTES;
  }
  for (const r of rows) {
    if (r.embedding.length !== dim) {
      throw new RangeError(`every embedding must have dim ${dim} (got ${r.embedding.length})`);
    }
    o = writeFloat16LE(r.embedding, buf, o);
  }
  checksum(buf.subarray(0, o)).copy(buf, o);
  return buf;
}

/** Validates the whole pack (size, header, checksum) and returns a view. Throws EMBEDDING_PACK_CORRUPT. */
export function decodePack(buf: Buffer): PackView {
  if (buf.length < HEADER_BYTES + CHECKSUM_BYTES) throw corrupt(`pack too short (${buf.length} bytes)`);
  if (!buf.subarray(0, 8).equals(MAGIC)) throw corrupt('not an embedding pack (bad magic)');
  const version = buf.readUInt32LE(8);
  if (version !== VERSION) throw corrupt(`unsupported pack version ${version} (expected ${VERSION})`);
  const dim = buf.readUInt32LE(12);
  const count = buf.readUInt32LE(16);
  if (dim < 1 || dim > MAX_DIM || count > MAX_ROWS)
    throw corrupt(`implausible header dim=${dim} count=${count}`);
  const rowsAt = HEADER_BYTES + count * KEY_BYTES;
  const end = rowsAt + count * dim * 2;
  if (buf.length !== end + CHECKSUM_BYTES) {
    throw corrupt(`pack is ${buf.length} bytes, header says ${end + CHECKSUM_BYTES} (truncated?)`);
  }
  if (!checksum(buf.subarray(0, end)).equals(buf.subarray(end))) throw corrupt('pack checksum mismatch');
  const inRange = (i: number) => {
    if (!Number.isInteger(i) || i < 0 || i >= count) throw corrupt(`row ${i} out of range 0..${count - 1}`);
  };
  return {
    dim,
    count,
    key(i) {
      inRange(i);
      return buf.subarray(HEADER_BYTES + i * KEY_BYTES, HEADER_BYTES + (i + 1) * KEY_BYTES);
    },
    row(i) {
      inRange(i);
      return readFloat16LE(buf, rowsAt + i * dim * 2, dim);
    },
  };
}
