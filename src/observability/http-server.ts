import { fastify } from 'fastify';
import { type Registry, register } from 'prom-client';
import { healthRoutes } from './http/health-routes.js';
import { registerHostCheck } from './http/host-check.js';
import { metricsRoutes } from './http/metrics-routes.js';
import { listenError, listenUrl, validateListen } from './http/validate-listen.js';
import { type Logger, logger as rootLogger } from './logger.js';
import { collectProcessMetrics } from './metrics.js';
import type { IsReady } from './readiness.js';

export type { IsReady, ReadinessReport } from './readiness.js';

export interface ObservabilityServerOptions {
  /** TCP port; 0 picks a free one (read it back from `url`). */
  port: number;
  /** Bind address. Default 127.0.0.1: expose it (0.0.0.0) only on purpose, e.g. inside a container. */
  host?: string;
  /** prom-client registry served on /metrics. Default: prom-client's global registry. */
  registry?: Registry;
  /** Readiness for /readyz. Default: always ready. */
  isReady?: IsReady;
  /** Host names accepted besides IP literals, localhost and the bind address (DNS rebinding guard). */
  allowedHosts?: readonly string[];
  logger?: Logger;
}

export interface ObservabilityServer {
  /** e.g. `http://127.0.0.1:9464` */
  url: string;
  close(): Promise<void>;
}

const alwaysReady: IsReady = () => ({ ready: true, checks: {} });

/** Serves `/metrics`, `/healthz` and `/readyz` for a worker or the exporter. */
export async function startObservabilityServer(
  opts: ObservabilityServerOptions,
): Promise<ObservabilityServer> {
  const { port, host } = validateListen(opts.port, opts.host ?? '127.0.0.1', 'observability server');
  const registry = opts.registry ?? register;
  const log = (opts.logger ?? rootLogger()).child({ component: 'observability-http' });
  collectProcessMetrics(registry);

  const app = fastify({ logger: false });
  registerHostCheck(app, { bindHost: host, allowedHosts: opts.allowedHosts ?? [] });
  await app.register(metricsRoutes, { registry });
  await app.register(healthRoutes, { isReady: opts.isReady ?? alwaysReady });
  try {
    await app.listen({ port, host });
  } catch (err) {
    await app.close().catch(() => {});
    throw listenError(err, host, port, 'observability server');
  }

  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const url = listenUrl(host, bound);
  log.info({ url }, 'metrics and health endpoints listening');
  return {
    url,
    async close() {
      await app.close();
    },
  };
}
