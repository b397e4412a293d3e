#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript in dist/. In a clone that is not installed or not built
// yet, say the whole fix instead of failing on a missing module. CommonJS (bin/package.json) so that the
// thread pool is sized before any ES module loads: see size-thread-pool.cjs.
'use strict';
require('./size-thread-pool.cjs');
const { existsSync } = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const root = path.join(__dirname, '..');
const main = path.join(root, 'dist', 'src', 'cli', 'main.js');
if (!existsSync(main)) {
  const installed = existsSync(path.join(root, 'node_modules', 'commander'));
  const fix = installed ? 'npm run build' : 'npm ci && npm run build';
  process.stderr.write(
    `zeroshot: this checkout is not ${installed ? 'built' : 'installed and built'} yet. Run, in ${root}${path.sep}:\n\n    ${fix}\n\n` +
      '(`npm test` and `npm run demo` do both by themselves.)\n',
  );
  process.exit(2);
}
import(pathToFileURL(main).href).catch((err) => {
  process.stderr.write(`zeroshot: ${err?.stack ?? err}\n`);
  process.exit(1);
});
