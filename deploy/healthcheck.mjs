// Container HEALTHCHECK: exit 0 when GET /healthz answers 200, 1 otherwise.
// Port: the first argument (`node healthcheck.mjs 9465`), else ZEROSHOT_METRICS_PORT, else 9464.
// ZEROSHOT_HEALTHCHECK_URL overrides the whole URL.
const port = process.argv[2] || process.env.ZEROSHOT_METRICS_PORT || '9464';
const url = process.env.ZEROSHOT_HEALTHCHECK_URL || `http://127.0.0.1:${port}/healthz`;
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
  process.exit(res.ok ? 0 : 1);
} catch (err) {
  process.stderr.write(`healthcheck ${url}: ${err.message}\n`);
  process.exit(1);
}
