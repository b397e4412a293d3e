import { type ObservabilityServer, startObservabilityServer } from '../observability/http-server.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { IsReady } from '../observability/readiness.js';
import type { WorkerConfig } from './config.js';

/**
 * The worker's `/metrics`, `/healthz`, `/readyz` (undefined with `--metrics-port 0`). A port already taken
 * (several workers on one host, one per GPU, is normal) is one warning: the worker works on without it.
 */
export async function openMetricsEndpoint(
  config: WorkerConfig,
  m: Metrics,
  isReady: IsReady,
  log: Logger,
): Promise<ObservabilityServer | undefined> {
  if (config.metricsPort === 0) return undefined;
  try {
    return await startObservabilityServer({
      port: config.metricsPort,
      host: config.metricsHost,
      registry: m.registry,
      isReady,
      allowedHosts: config.metricsAllowedHosts,
      logger: log,
    });
  } catch (err) {
    if (!isPortTaken(err as Error)) throw err;
    log.warn(
      { metricsPort: config.metricsPort, metricsHost: config.metricsHost },
      `--metrics-port ${config.metricsPort} is already in use on ${config.metricsHost} (another worker on ` +
        'this host?): this worker runs WITHOUT /metrics, /healthz and /readyz. Give each worker its own ' +
        '--metrics-port / ZEROSHOT_METRICS_PORT (e.g. 9464, 9466, ...), or 0 to disable it',
    );
    return undefined;
  }
}

function isPortTaken(err: Error): boolean {
  const code = (e: unknown) => (e as NodeJS.ErrnoException | undefined)?.code;
  return code(err) === 'EADDRINUSE' || code(err?.cause) === 'EADDRINUSE';
}
