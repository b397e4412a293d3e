'use strict';
// Sizes libuv's thread pool before anything starts it. sharp decodes each image on one pool thread, and
// the pool holds 4 threads unless UV_THREADPOOL_SIZE is set when it starts; loading an ES module already
// starts it, which is why the launcher is CommonJS and requires this first. Size: one thread per core for
// decodes plus 4 for file reads and DNS lookups, at least 8. A value the user set is kept.
const os = require('node:os');

if (!process.env.UV_THREADPOOL_SIZE) {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  process.env.UV_THREADPOOL_SIZE = String(Math.min(1024, Math.max(8, cores + 4)));
}
