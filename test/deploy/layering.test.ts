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
  worker: ['core', 'jobs', 'observability', 'runs', 'storage'],
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

describe('layering', () => {
  it('each src/ folder imports only the folders its row allows (the worker never imports the producer)', () => {
    const src = path.join(REPO_ROOT, 'src');
    const broken: string[] = [];
    for (const [folder, allowed] of Object.entries(MAY_IMPORT)) {
      for (const file of files(path.join(src, folder))) {
        const text = readFileSync(file, 'utf8');
        for (const m of text.matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
          const target = path.relative(src, path.resolve(path.dirname(file), m[1]!)).split(path.sep)[0]!;
          if (target !== folder && !target.endsWith('.js') && !allowed.includes(target)) {
            broken.push(`${path.relative(REPO_ROOT, file)} imports ${m[1]}`);
          }
        }
      }
    }
    assert.deepEqual(broken, []);
  });
});
