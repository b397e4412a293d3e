import type { Cluster, Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { UsageError } from '../../core/errors/index.js';
import { forEachConcurrent } from '../../core/pipeline/map-concurrent.js';
import { DEFAULT_PREFIX, keys } from '../../jobs/names.js';
import { LIMITS } from '../../jobs/schemas.js';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';
import { packUri } from '../../runs/index.js';
import type { Storage } from '../../storage/types.js';
import { decodePack, encodePack, type PackView, rowKey } from './pack-format.js';

export interface EmbeddingStoreOptions {
  storage: Storage;
  redis: Redis | Cluster;
  /** Key prefix (queue prefix with its hash tag). Default `{zeroshot}`. */
  prefix?: string;
  /** `classifier.info.id`: embeddings of another model are never returned. */
  modelId: string;
  /** `classifier.info.projectionDim`. */
  dim: number;
  /** Bytes of decoded packs kept in memory (LRU). Default 64 MiB. */
  packCacheBytes?: number;
  /** Packs fetched in parallel by one lookup. Default 4. */
  fetchConcurrency?: number;
  logger?: Logger;
  /** Counts `zeroshot_image_embedding_reuse_lookups_total{result}` per image looked up. */
  metrics?: Metrics;
}

export interface ImageRef {
  uri: string;
  /** Without an ETag an image cannot be proven unchanged: it is never stored nor reused. */
  etag?: string | undefined;
}

export interface StoredRow extends ImageRef {
  embedding: Float32Array;
}

export interface EmbeddingStore {
  /** Stored embedding of each image (L2-normalized float32 decoded from float16), or undefined: a miss, never an error. */
  lookup(images: ImageRef[]): Promise<(Float32Array | undefined)[]>;
  /**
   * Writes the chunk's pack `<output>/<runId>/embeddings/part-<chunk>.f16` (atomic PUT) and points the index at
   * it. Rows without an ETag are skipped. Returns the pack URI and row count, or undefined when nothing was
   * stored. Storage and Redis errors propagate (retryable ones as such): call it before writing the part.
   */
  writePack(
    outputUri: string,
    runId: string,
    chunkIndex: number,
    rows: StoredRow[],
  ): Promise<{ uri: string; count: number } | undefined>;
}

/** Field of `keys().embeddingIndex(modelId)`: an ETag never contains a newline, so this is unambiguous. */
export const indexField = (uri: string, etag: string) => `${uri}\n${etag}`;

function parseLocation(loc: string): { pack: string; row: number } | undefined {
  const at = loc.lastIndexOf('#');
  if (at <= 0) return undefined;
  const row = Number(loc.slice(at + 1));
  return Number.isInteger(row) && row >= 0 ? { pack: loc.slice(0, at), row } : undefined;
}

function normalized(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] as number) ** 2;
  const n = Math.sqrt(s);
  if (n > 0 && Number.isFinite(n)) for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / n;
  return v;
}

interface CachedPack {
  view: PackView;
  bytes: number;
}

export function createEmbeddingStore(opts: EmbeddingStoreOptions): EmbeddingStore {
  const { storage, redis, modelId, dim } = opts;
  if (typeof modelId !== 'string' || modelId.length === 0) {
    throw new UsageError('INVALID_OPTION', 'modelId must be a non-empty string (classifier.info.id)');
  }
  if (!Number.isInteger(dim) || dim < 1) {
    throw new UsageError(
      'INVALID_OPTION',
      `dim must be a positive integer (classifier.info.projectionDim; got ${String(dim)})`,
    );
  }
  const indexKey = keys(opts.prefix ?? DEFAULT_PREFIX).embeddingIndex(modelId);
  const concurrency = opts.fetchConcurrency ?? 4;
  const log = opts.logger;
  /** The largest pack a chunk can produce: never buffer more than that from a pack URI. */
  const maxPackBytes = 64 + LIMITS.maxChunkSize * (8 + 2 * dim);
  const packs = new LRUCache<string, CachedPack>({
    maxSize: opts.packCacheBytes ?? 64 * 1024 * 1024,
    sizeCalculation: (p) => Math.max(1, p.bytes),
  });

  const loading = new Map<string, Promise<PackView | undefined>>();

  /** A decoded pack, or undefined when it is missing, unreadable or of another dimension. */
  function loadPack(uri: string, fresh: boolean): Promise<PackView | undefined> {
    const cached = fresh ? undefined : packs.get(uri);
    if (cached) return Promise.resolve(cached.view);
    // Concurrent chunks asking for the same pack share one GET.
    let p = fresh ? undefined : loading.get(uri);
    if (!p) {
      const started: Promise<PackView | undefined> = fetchPack(uri).finally(() => {
        if (loading.get(uri) === started) loading.delete(uri);
      });
      loading.set(uri, started);
      p = started;
    }
    return p;
  }

  async function fetchPack(uri: string): Promise<PackView | undefined> {
    try {
      const { body } = await storage.get(uri, { maxBytes: maxPackBytes });
      const view = decodePack(body);
      if (view.dim !== dim) {
        log?.warn(
          { pack: uri, dim: view.dim, expected: dim },
          'embedding pack has another dimension; ignored',
        );
        return undefined;
      }
      packs.set(uri, { view, bytes: body.length });
      return view;
    } catch (err) {
      const e = err as { code?: string; message?: string };
      log?.warn(
        { pack: uri, code: e.code, err: e.message },
        'embedding pack unreadable; images will be embedded again',
      );
      packs.delete(uri);
      return undefined;
    }
  }

  const store: EmbeddingStore = {
    async lookup(images) {
      const out = new Array<Float32Array | undefined>(images.length).fill(undefined);
      const asked: number[] = [];
      for (let i = 0; i < images.length; i++) if (images[i]?.etag) asked.push(i);
      if (asked.length === 0) return out;

      let locations: (string | null)[];
      try {
        locations = await redis.hmget(
          indexKey,
          ...asked.map((i) => indexField(images[i]!.uri, images[i]!.etag!)),
        );
      } catch (err) {
        log?.warn(
          { err: (err as Error).message },
          'embedding index unavailable; images will be embedded again',
        );
        return out;
      }

      const byPack = new Map<string, { image: number; row: number }[]>();
      asked.forEach((image, j) => {
        const loc = locations[j] ? parseLocation(locations[j] as string) : undefined;
        if (!loc) return;
        const list = byPack.get(loc.pack) ?? [];
        list.push({ image, row: loc.row });
        byPack.set(loc.pack, list);
      });

      await forEachConcurrent([...byPack.entries()], concurrency, async ([packUri, wanted]) => {
        const read = (view: PackView) => {
          let stale = 0;
          for (const w of wanted) {
            if (out[w.image] || w.row >= view.count) continue;
            const ref = images[w.image] as ImageRef;
            if (view.key(w.row).equals(rowKey(modelId, ref.uri, ref.etag as string))) {
              out[w.image] = normalized(view.row(w.row));
            } else stale++;
          }
          return stale;
        };
        const wasCached = packs.has(packUri);
        const view = await loadPack(packUri, false);
        // A cached pack may predate an overwrite by a retried chunk: re-read once if rows do not match.
        if (view && read(view) > 0 && wasCached) {
          const again = await loadPack(packUri, true);
          if (again) read(again);
        }
      });
      return out;
    },

    async writePack(outputUri, runId, chunkIndex, rows) {
      const uri = packUri(outputUri, runId, chunkIndex);
      const kept = rows.filter((r) => r.etag && r.embedding.length === dim);
      if (kept.length === 0) return undefined;
      const body = encodePack(
        dim,
        kept.map((r) => ({ key: rowKey(modelId, r.uri, r.etag as string), embedding: r.embedding })),
      );
      await storage.put(uri, body, { contentType: 'application/octet-stream' });
      packs.delete(uri);
      const fields: string[] = [];
      kept.forEach((r, row) => {
        fields.push(indexField(r.uri, r.etag as string), `${uri}#${row}`);
      });
      await redis.hset(indexKey, ...fields);
      return { uri, count: kept.length };
    },
  };

  const reuse = opts.metrics?.imageEmbeddingReuse;
  if (!reuse) return store;
  return {
    writePack: store.writePack,
    async lookup(images) {
      const out = await store.lookup(images);
      const hits = out.reduce((n, v) => n + (v ? 1 : 0), 0);
      if (hits > 0) reuse.inc({ result: 'hit' }, hits);
      if (out.length > hits) reuse.inc({ result: 'miss' }, out.length - hits);
      return out;
    },
  };
}
