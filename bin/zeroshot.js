#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript in dist/ (run `npm run build`). CommonJS (bin/package.json)
// so that the thread pool is sized before any ES module loads: see size-thread-pool.cjs.
'use strict';
require('./size-thread-pool.cjs');
const { existsSync } = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const main = path.join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (!existsSync(main)) {
  process.stderr.write('zeroshot: not built yet. Run `npm run build` in the project directory first.\n');
  process.exit(2);
}
import(pathToFileURL(main).href).catch((err) => {
  process.stderr.write(`zeroshot: ${err?.stack ?? err}\n`);
  process.exit(1);
});
