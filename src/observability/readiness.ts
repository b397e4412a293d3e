/** What `/readyz` reports: ready only when every check passed; `checks` maps a check name to `ok` or why not. */
export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, string>;
}

export type IsReady = () => ReadinessReport | Promise<ReadinessReport>;

/** One readiness check: resolves (or returns) when healthy, throws/rejects with the reason otherwise. */
export type ReadinessCheck = () => unknown;

/**
 * Builds an `isReady` from named checks run in parallel, each bounded by `timeoutMs` so a hung dependency
 * (a Redis that accepts connections but never answers) reads as "not ready" rather than a hung probe.
 */
export function readinessFromChecks(
  checks: Record<string, ReadinessCheck>,
  { timeoutMs = 2_000 }: { timeoutMs?: number } = {},
): () => Promise<ReadinessReport> {
  return async () => {
    const names = Object.keys(checks);
    const results = await Promise.all(names.map((name) => runCheck(checks[name]!, timeoutMs)));
    const report: ReadinessReport = { ready: true, checks: {} };
    names.forEach((name, i) => {
      const result = results[i] ?? 'ok';
      report.checks[name] = result;
      if (result !== 'ok') report.ready = false;
    });
    return report;
  };
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`timed out after ${timeoutMs} ms`), timeoutMs);
  });
  try {
    return await Promise.race([
      Promise.resolve()
        .then(check)
        .then(() => 'ok'),
      timeout,
    ]);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    clearTimeout(timer);
  }
}

/** A check that fails unless `redis.ping()` answers. Pass a connection with a bounded `maxRetriesPerRequest`. */
export function redisPingCheck(redis: { ping(): Promise<unknown>; status?: string }): ReadinessCheck {
  return async () => {
    if (redis.status !== undefined && redis.status !== 'ready') {
      throw new Error(`redis connection is ${redis.status}`);
    }
    await redis.ping();
  };
}
