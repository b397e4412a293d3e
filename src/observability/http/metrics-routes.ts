import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';

/** `GET /metrics`: the registry in the Prometheus (or OpenMetrics, when asked for) text format. */
export const metricsRoutes: FastifyPluginAsync<{ registry: Registry }> = async (app, { registry }) => {
  app.get('/metrics', async (_req, reply) => {
    const body = await registry.metrics();
    return reply.header('content-type', registry.contentType).header('cache-control', 'no-store').send(body);
  });
};
