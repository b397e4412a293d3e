import type { Command } from 'commander';
import { Registry } from 'prom-client';
import { UsageError } from '../../core/errors/index.js';
import { flagOrEnv, int, redisUrl } from '../../core/options.js';
import { createRedis, queueConfigFromEnv } from '../../jobs/connection.js';
import { startDashboard } from '../../observability/dashboard.js';
import { parseAllowedHosts } from '../../observability/http/host-check.js';
import { parsePort } from '../../observability/http/validate-listen.js';
import { startObservabilityServer } from '../../observability/http-server.js';
import { logger } from '../../observability/logger.js';
import { startQueueDepthExporter } from '../../observability/queue-depth-exporter.js';
import { readinessFromChecks, redisPingCheck } from '../../observability/readiness.js';
import { closeOnSignals } from '../../worker/shutdown.js';
import { action, EXIT } from '../exit.js';
import { addConnectionOptions, collect } from '../options.js';
import { printError } from '../output.js';

function redisUrlOf(flag: string | undefined): string | undefined {
  const url = flagOrEnv(flag, 'REDIS_URL');
  return url === undefined ? undefined : redisUrl(url, '--redis-url (REDIS_URL)');
}

function allowedHostsOf(flag: string[] | undefined, env: string): string[] {
  if (flag?.length) return parseAllowedHosts(flag, '--allowed-host');
  return parseAllowedHosts(process.env[env], env);
}

interface ExporterFlags {
  port?: string;
  host?: string;
  redisUrl?: string;
  queuePrefix?: string;
  intervalMs?: string;
  elect: boolean;
  allowedHost?: string[];
}

interface DashboardFlags {
  port?: string;
  host?: string;
  redisUrl?: string;
  queuePrefix?: string;
  user?: string;
  password?: string;
  insecureNoAuth?: boolean;
  readOnly?: boolean;
  allowedHost?: string[];
}

const SHUTDOWN_MS = 5_000;

async function runExporter(flags: ExporterFlags): Promise<number> {
  const port = parsePort(
    flagOrEnv(flags.port, 'ZEROSHOT_EXPORTER_PORT') ?? '9465',
    '--port (ZEROSHOT_EXPORTER_PORT)',
  );
  const host = flagOrEnv(flags.host, 'ZEROSHOT_EXPORTER_HOST') ?? '127.0.0.1';
  const intervalRaw = flagOrEnv(flags.intervalMs, 'ZEROSHOT_EXPORTER_INTERVAL_MS') ?? '5000';
  const intervalMs = int(100, 2 ** 31 - 1)(intervalRaw, '--interval-ms (ZEROSHOT_EXPORTER_INTERVAL_MS)');
  const redisUrl = redisUrlOf(flags.redisUrl);
  const config = queueConfigFromEnv(process.env, {
    ...(redisUrl ? { redisUrl } : {}),
    ...(flags.queuePrefix ? { prefix: flags.queuePrefix } : {}),
  });
  const log = logger().child({ component: 'exporter' });

  const registry = new Registry();
  const redis = createRedis(config.redisUrl);
  redis.on('error', () => {}); // reported through /readyz and the exporter's warnings
  const exporter = startQueueDepthExporter({
    connection: redis,
    prefix: config.prefix,
    registry,
    intervalMs,
    elect: flags.elect,
    logger: log,
  });
  let server: Awaited<ReturnType<typeof startObservabilityServer>>;
  try {
    server = await startObservabilityServer({
      port,
      host,
      registry,
      isReady: readinessFromChecks({ redis: redisPingCheck(redis) }),
      allowedHosts: allowedHostsOf(flags.allowedHost, 'ZEROSHOT_EXPORTER_ALLOWED_HOSTS'),
      logger: log,
    });
  } catch (err) {
    await exporter.stop();
    redis.disconnect();
    throw err;
  }
  await closeOnSignals(
    async () => {
      await exporter.stop();
      await server.close();
      redis.disconnect();
    },
    { log, shutdownTimeoutMs: SHUTDOWN_MS },
  );
  return EXIT.ok;
}

async function runDashboard(flags: DashboardFlags): Promise<number> {
  const port = parsePort(
    flagOrEnv(flags.port, 'ZEROSHOT_DASHBOARD_PORT') ?? '3000',
    '--port (ZEROSHOT_DASHBOARD_PORT)',
  );
  const host = flagOrEnv(flags.host, 'ZEROSHOT_DASHBOARD_HOST') ?? '127.0.0.1';
  const user = flagOrEnv(flags.user, 'ZEROSHOT_DASHBOARD_USER');
  const password = flagOrEnv(flags.password, 'ZEROSHOT_DASHBOARD_PASSWORD');
  if ((user === undefined) !== (password === undefined)) {
    throw new UsageError(
      'INVALID_OPTION',
      'dashboard: give both --user and --password (or ZEROSHOT_DASHBOARD_USER and ZEROSHOT_DASHBOARD_PASSWORD)',
    );
  }
  const redisUrl = redisUrlOf(flags.redisUrl);
  const log = logger().child({ component: 'dashboard' });
  const dashboard = await startDashboard({
    port,
    host,
    ...(redisUrl ? { redisUrl } : {}),
    ...(flags.queuePrefix ? { prefix: flags.queuePrefix } : {}),
    ...(user !== undefined && password !== undefined ? { auth: { user, password } } : {}),
    insecureNoAuth: flags.insecureNoAuth === true,
    readOnly: flags.readOnly === true,
    allowedHosts: allowedHostsOf(flags.allowedHost, 'ZEROSHOT_DASHBOARD_ALLOWED_HOSTS'),
    logger: log,
  });
  printError(`zeroshot dashboard: ${dashboard.url}/ (Ctrl-C to stop)\n`);
  await closeOnSignals(() => dashboard.close(), { log, shutdownTimeoutMs: SHUTDOWN_MS });
  return EXIT.ok;
}

export function register(program: Command): void {
  const exporter = program
    .command('exporter')
    .description(
      'Serve queue depth (zeroshot_queue_jobs{queue,state}) on /metrics as a standalone process. ' +
        'Several may run: one Redis lease holder publishes (disable the election with --no-elect).',
    )
    .option(
      '--port <port>',
      'HTTP port for /metrics, /healthz, /readyz [env ZEROSHOT_EXPORTER_PORT; default 9465]',
    )
    .option('--host <host>', 'bind address [env ZEROSHOT_EXPORTER_HOST; default 127.0.0.1]');
  addConnectionOptions(exporter)
    .option(
      '--interval-ms <ms>',
      'how often queue counts are read [env ZEROSHOT_EXPORTER_INTERVAL_MS; default 5000]',
    )
    .option('--no-elect', 'always publish, even when another exporter holds the lease')
    .option(
      '--allowed-host <name>',
      'Host header names served besides IP literals, localhost and --host (repeatable; * = any) ' +
        '[env ZEROSHOT_EXPORTER_ALLOWED_HOSTS, comma separated]',
      collect,
    )
    .action(action(runExporter));

  const dashboard = program
    .command('dashboard')
    .description(
      'Bull Board web UI over the chunks, runs and schedules queues: inspect and retry failed jobs',
    )
    .option('--port <port>', 'HTTP port [env ZEROSHOT_DASHBOARD_PORT; default 3000]')
    .option(
      '--host <host>',
      'bind address; non-loopback needs auth [env ZEROSHOT_DASHBOARD_HOST; default 127.0.0.1]',
    )
    .option('--user <user>', 'basic-auth user [env ZEROSHOT_DASHBOARD_USER]')
    .option(
      '--password <password>',
      'basic-auth password; prefer the env var [env ZEROSHOT_DASHBOARD_PASSWORD]',
    )
    .option('--insecure-no-auth', 'allow a non-loopback --host without basic auth')
    .option('--read-only', 'hide the buttons that retry, promote, clean or remove jobs')
    .option(
      '--allowed-host <name>',
      'Host header names served besides IP literals, localhost and --host: other Hosts get 421 ' +
        '(DNS rebinding guard; repeatable; * = any) [env ZEROSHOT_DASHBOARD_ALLOWED_HOSTS, comma separated]',
      collect,
    );
  addConnectionOptions(dashboard).action(action(runDashboard));
}
