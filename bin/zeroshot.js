#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript in dist/. In a clone that is not installed or not built
// yet, say the whole fix instead of failing on a missing module.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  const installed = existsSync(fileURLToPath(new URL('../node_modules/commander', import.meta.url)));
  const fix = installed ? 'npm run build' : 'npm ci && npm run build';
  process.stderr.write(
    `zeroshot: this checkout is not ${installed ? 'built' : 'installed and built'} yet. Run, in ${root}:\n\n    ${fix}\n\n` +
      '(`npm test` and `npm run demo` do both by themselves.)\n',
  );
  process.exit(2);
}
await import(main.href);
