import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { Queue } from 'bullmq';
import { fastify } from 'fastify';
import { UsageError } from '../core/errors/index.js';
import { createRedis, queueConfigFromEnv } from '../jobs/connection.js';
import { QUEUES } from '../jobs/names.js';
import { type BasicAuthCredentials, requireBasicAuth } from './http/basic-auth.js';
import { registerHostCheck } from './http/host-check.js';
import { isLoopbackHost, listenError, listenUrl, validateListen } from './http/validate-listen.js';
import { type Logger, redactUrl, logger as rootLogger } from './logger.js';

export interface DashboardOptions {
  /** Default 3000. */
  port?: number;
  /** Default 127.0.0.1. Any other address needs `auth` or `insecureNoAuth`. */
  host?: string;
  /** Default `REDIS_URL`. */
  redisUrl?: string;
  /** BullMQ prefix, default `ZEROSHOT_QUEUE_PREFIX` or `{zeroshot}`. */
  prefix?: string;
  /** Basic-auth credentials; when set every page and API call requires them. */
  auth?: BasicAuthCredentials;
  /** Allow a non-loopback bind without auth (anyone who can reach the port can retry/delete jobs). */
  insecureNoAuth?: boolean;
  /** Hide the buttons that change jobs (retry, promote, clean, remove). */
  readOnly?: boolean;
  /** Host names accepted besides IP literals, localhost and the bind address (DNS rebinding guard). */
  allowedHosts?: readonly string[];
  logger?: Logger;
}

export interface Dashboard {
  url: string;
  close(): Promise<void>;
}

function validate(opts: DashboardOptions) {
  const { port, host } = validateListen(opts.port ?? 3000, opts.host ?? '127.0.0.1', 'dashboard');
  const auth = opts.auth;
  if (auth && (!auth.user || !auth.password)) {
    throw new UsageError(
      'INVALID_OPTION',
      'dashboard: basic auth needs both a user and a password (--user/--password or ZEROSHOT_DASHBOARD_USER/ZEROSHOT_DASHBOARD_PASSWORD)',
    );
  }
  if (auth?.user.includes(':')) {
    throw new UsageError('INVALID_OPTION', 'dashboard: the basic-auth user must not contain ":"');
  }
  if (!auth && !isLoopbackHost(host) && !opts.insecureNoAuth) {
    throw new UsageError(
      'INVALID_OPTION',
      `dashboard: refusing to listen on ${host} without authentication; set --user and --password ` +
        '(or ZEROSHOT_DASHBOARD_USER/ZEROSHOT_DASHBOARD_PASSWORD), bind to 127.0.0.1, or pass --insecure-no-auth',
    );
  }
  return { port, host, auth };
}

/** Bull Board over the chunks, runs and schedules queues: inspect runs, failed chunks, retry them. */
export async function startDashboard(opts: DashboardOptions = {}): Promise<Dashboard> {
  const { port, host, auth } = validate(opts);
  const config = queueConfigFromEnv(process.env, {
    ...(opts.redisUrl ? { redisUrl: opts.redisUrl } : {}),
    ...(opts.prefix ? { prefix: opts.prefix } : {}),
  });
  const log = (opts.logger ?? rootLogger()).child({ component: 'dashboard' });
  const redis = createRedis(config.redisUrl, { blocking: true });
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis connection error'));
  const queues = Object.values(QUEUES).map(
    (name) => new Queue(name, { connection: redis, prefix: config.prefix }),
  );

  const app = fastify({ logger: false });
  try {
    registerHostCheck(app, { bindHost: host, allowedHosts: opts.allowedHosts ?? [] });
    if (auth) await requireBasicAuth(app, auth, 'zeroshot dashboard', ['/healthz']);
    app.get('/healthz', async () => ({ alive: true }));
    const serverAdapter = new FastifyAdapter();
    serverAdapter.setBasePath('/');
    createBullBoard({
      queues: queues.map(
        (q) =>
          new BullMQAdapter(q, {
            readOnlyMode: opts.readOnly ?? false,
            allowRetries: true,
            displayName: q.name,
          }),
      ),
      // The fastify adapter pins its own copy of @bull-board/api's typings; the runtime contract is the same.
      serverAdapter: serverAdapter as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
      options: { uiConfig: { boardTitle: 'zeroshot' } },
    });
    await app.register(serverAdapter.registerPlugin(), { prefix: '/' });
    await app.listen({ port, host });
  } catch (err) {
    await app.close().catch(() => {});
    await Promise.all(queues.map((q) => q.close().catch(() => {})));
    redis.disconnect();
    throw listenError(err, host, port, 'dashboard');
  }

  const address = app.server.address();
  const url = listenUrl(host, typeof address === 'object' && address ? address.port : port);
  log.info(
    {
      url,
      redis: redactUrl(config.redisUrl),
      prefix: config.prefix,
      auth: auth ? { user: auth.user, password: '***' } : 'none',
      readOnly: opts.readOnly ?? false,
    },
    'dashboard listening',
  );
  return {
    url,
    async close() {
      await app.close();
      await Promise.all(queues.map((q) => q.close().catch(() => {})));
      redis.disconnect();
    },
  };
}
