import type { FastifyPluginAsync } from 'fastify';
import type { IsReady, ReadinessReport } from '../readiness.js';

/**
 * `GET /healthz`: the process is alive and its event loop answers (always 200).
 * `GET /readyz`: 200 `{ready:true, checks}` when `isReady()` says so, 503 with the failing checks otherwise.
 */
export const healthRoutes: FastifyPluginAsync<{ isReady: IsReady }> = async (app, { isReady }) => {
  app.get('/healthz', async (_req, reply) => reply.header('cache-control', 'no-store').send({ alive: true }));

  app.get('/readyz', async (_req, reply) => {
    let report: ReadinessReport;
    try {
      report = await isReady();
    } catch (err) {
      report = { ready: false, checks: { readiness: err instanceof Error ? err.message : String(err) } };
    }
    const ready = report.ready === true;
    return reply
      .code(ready ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({ ready, checks: report.checks ?? {} });
  });
};
