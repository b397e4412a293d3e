import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../support/fixtures.js';

/** The "may import" column of docs/ARCHITECTURE.md's folder table (folders not listed may import anything). */
const MAY_IMPORT: Record<string, string[]> = {
  core: [],
  jobs: ['core'],
  storage: ['core', 'observability'],
  observability: ['core', 'jobs'],
  runs: ['core', 'jobs', 'storage'],
  producer: ['core', 'jobs', 'observability', 'runs', 'storage'],
  worker: ['core', 'jobs', 'observability', 'report', 'runs', 'storage'],
  report: ['core', 'producer', 'runs', 'storage'],
};

const SRC = path.join(REPO_ROOT, 'src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** The .ts files a source file imports, statically (`from '…'`) or dynamically (`import('…')`); not types. */
function importsOf(file: string): { spec: string; file: string }[] {
  const text = readFileSync(file, 'utf8');
  const specs = [
    ...[...text.matchAll(/^import (?!type )[^;]*?from '(\.{1,2}\/[^']+)'/gms)].map((m) => m[1]!),
    ...[...text.matchAll(/^export [^;]*?from '(\.{1,2}\/[^']+)'/gms)].map((m) => m[1]!),
    ...[...text.matchAll(/import\(\s*'(\.{1,2}\/[^']+)'\s*\)/g)].map((m) => m[1]!),
  ];
  return specs.map((spec) => ({
    spec,
    file: path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts'),
  }));
}

const folderOf = (file: string) => path.relative(SRC, file).split(path.sep)[0]!;

describe('layering', () => {
  it('each src/ folder imports only the folders its row allows (static and dynamic imports)', () => {
    const broken: string[] = [];
    for (const [folder, allowed] of Object.entries(MAY_IMPORT)) {
      for (const file of files(path.join(SRC, folder))) {
        for (const imp of importsOf(file)) {
          const target = folderOf(imp.file);
          if (target !== folder && !target.endsWith('.ts') && !allowed.includes(target)) {
            broken.push(`${path.relative(REPO_ROOT, file)} imports ${imp.spec}`);
          }
        }
      }
    }
    assert.deepEqual(broken, []);
  });

  it('the worker never reaches the producer, not even through another folder', () => {
    const seen = new Set<string>();
    const reached: string[] = [];
    const visit = (file: string, via: string[]) => {
      if (seen.has(file)) return;
      seen.add(file);
      if (folderOf(file) === 'producer')
        reached.push([...via, file].map((f) => path.relative(SRC, f)).join(' → '));
      for (const imp of importsOf(file)) visit(imp.file, [...via, file]);
    };
    for (const file of files(path.join(SRC, 'worker'))) visit(file, []);
    assert.deepEqual(reached, []);
  });
});
