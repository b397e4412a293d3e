import { createHash } from 'node:crypto';
import picomatch from 'picomatch';
import type { ChunkImage } from '../jobs/index.js';
import type { Storage } from '../storage/types.js';
import { readManifest } from './manifest.js';
import { normalizeExtensions } from './options.js';

export interface SourceSpec {
  /** Validated source URIs (prefixes end with `/`). */
  sources: string[];
  manifest?: string;
  extensions?: string[];
  include?: string[];
  exclude?: string[];
  maxImages?: number;
}

/** Distinct URIs remembered to drop duplicates across several sources; beyond this, duplicates pass. */
const DEDUPE_CAP = 2_000_000;

/** 64 bits of SHA-1 as a short string: ~50 bytes per remembered URI, collisions negligible at the cap. */
const fingerprint = (uri: string) => createHash('sha1').update(uri).digest('base64').slice(0, 11);

/** Globs with a `/` match the path relative to the prefix; globs without one match the file name at any depth. */
function matcher(globs: string[] | undefined): ((rel: string) => boolean) | undefined {
  if (!globs?.length) return undefined;
  const onPath = globs.filter((g) => g.includes('/'));
  const onName = globs.filter((g) => !g.includes('/'));
  const path = onPath.length ? picomatch(onPath, { dot: true }) : () => false;
  const name = onName.length ? picomatch(onName, { dot: true }) : () => false;
  return (rel) => path(rel) || name(rel.slice(rel.lastIndexOf('/') + 1));
}

/** Filters of a prefix listing: extension, then include/exclude globs on the key relative to the prefix. */
export function listingFilter(spec: Pick<SourceSpec, 'extensions' | 'include' | 'exclude'>) {
  const exts = normalizeExtensions(spec.extensions);
  const include = matcher(spec.include);
  const exclude = matcher(spec.exclude);
  return (rel: string): boolean => {
    if (rel === '' || rel.endsWith('/')) return false;
    const dot = rel.lastIndexOf('.');
    const ext = dot > rel.lastIndexOf('/') ? rel.slice(dot + 1).toLowerCase() : '';
    if (!exts.has(ext)) return false;
    if (include && !include(rel)) return false;
    if (exclude?.(rel)) return false;
    return true;
  };
}

/**
 * Every image of a run, in a deterministic order: each source in turn (prefixes listed recursively in key
 * order), then the manifest. Streams: nothing is collected, except the URIs seen when there are several
 * sources or a manifest (a 64-bit fingerprint per URI, to drop duplicates; capped).
 */
export async function* imageStream(storage: Storage, spec: SourceSpec): AsyncGenerator<ChunkImage> {
  const filter = listingFilter(spec);
  const max = spec.maxImages ?? Number.POSITIVE_INFINITY;
  const several = spec.sources.length + (spec.manifest ? 1 : 0) > 1 || Boolean(spec.manifest);
  const seen = several ? new Set<string>() : undefined;
  let count = 0;
  const fresh = (uri: string): boolean => {
    if (!seen) return true;
    const f = fingerprint(uri);
    if (seen.has(f)) return false;
    if (seen.size < DEDUPE_CAP) seen.add(f);
    return true;
  };
  if (max <= 0) return;
  for (const source of spec.sources) {
    if (source.endsWith('/')) {
      for await (const obj of storage.list(source)) {
        const rel = obj.uri.startsWith(source) ? obj.uri.slice(source.length) : obj.uri;
        if (!filter(rel) || !fresh(obj.uri)) continue;
        yield { uri: obj.uri, ...(obj.etag ? { etag: obj.etag } : {}) };
        if (++count >= max) return;
      }
    } else if (fresh(source)) {
      yield { uri: source };
      if (++count >= max) return;
    }
  }
  if (spec.manifest) {
    for await (const image of readManifest(storage, spec.manifest)) {
      if (!fresh(image.uri)) continue;
      yield image;
      if (++count >= max) return;
    }
  }
}
