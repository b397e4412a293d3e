import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { mapFsError } from './fs-errors.js';
import { StorageError } from './storage-error.js';

const inside = (p: string, root: string) =>
  p === root || p.startsWith(root.endsWith(path.sep) ? root : `${root}${path.sep}`);

/**
 * Optional confinement of `file://` reads to root directories (`ZEROSHOT_FILE_ROOTS`, `--file-roots`).
 * Paths are resolved with realpath first, so a symbolic link inside a root that points outside is refused.
 * With no roots configured every path is allowed.
 */
export class FileRoots {
  private real: Promise<string[]> | undefined;

  constructor(private readonly roots: readonly string[] = []) {}

  get enabled(): boolean {
    return this.roots.length > 0;
  }

  /** The real path of `p` when it lies inside a root; STORAGE_OUTSIDE_ROOTS (or NOT_FOUND) otherwise. */
  async resolve(p: string, op: string, uri: string): Promise<string> {
    if (!this.enabled) return p;
    this.real ??= Promise.all(this.roots.map((r) => realpath(r).catch(() => path.resolve(r))));
    const roots = await this.real;
    let real: string;
    try {
      real = await realpath(p);
    } catch (err) {
      // Say "outside" rather than "not found" for paths outside: existence there is none of our business.
      if (!roots.some((r) => inside(path.resolve(p), r))) throw this.outside(p, p, op, uri);
      throw mapFsError(err, op, uri);
    }
    if (!roots.some((r) => inside(real, r))) throw this.outside(p, real, op, uri);
    return real;
  }

  private outside(p: string, real: string, op: string, uri: string): StorageError {
    const where = real === p ? 'is' : 'resolves (through a symbolic link) to a path';
    return new StorageError(
      'STORAGE_OUTSIDE_ROOTS',
      `${op} ${uri}: the path ${where} outside the allowed file roots (--file-roots / ZEROSHOT_FILE_ROOTS)`,
      { uri },
    );
  }
}
