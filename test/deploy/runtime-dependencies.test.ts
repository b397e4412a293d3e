import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../support/fixtures.js';

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
const packageOf = (spec: string) =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/');

describe('the production image has everything src/ imports', () => {
  it('every package imported by src/ is a runtime dependency (the images prune devDependencies)', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const builtins = new Set(builtinModules);
    const missing = new Set<string>();
    const seen = new Set<string>();
    for (const file of tsFiles(path.join(REPO_ROOT, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(
        /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^'.][^']*)'|import\(\s*'([^'.][^']*)'\s*\)/g,
      )) {
        const spec = (m[1] ?? m[2])!;
        if (spec.startsWith('node:') || builtins.has(spec)) continue;
        const name = packageOf(spec);
        seen.add(name);
        if (!pkg.dependencies[name]) missing.add(`${name} (${path.relative(REPO_ROOT, file)})`);
      }
    }
    for (const p of ['bullmq', 'onnxruntime-node', 'sharp', 'fastify'])
      assert.ok(seen.has(p), `scan found ${p}`);
    assert.deepEqual([...missing], []);
  });
});
