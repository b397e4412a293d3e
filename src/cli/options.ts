// Option helpers shared by the command modules. Keep this file light (commander and types only): main.ts
// loads just the invoked command's module, and each of them imports this one.
import { type Command, InvalidArgumentError } from 'commander';
import type { ProducerDeps } from '../producer/index.js';
import { print, safeJson } from './output.js';

/** Repeatable option: every occurrence is appended. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

export function probability(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n >= 0 && n <= 1))
    throw new InvalidArgumentError('expected a number from 0 to 1');
  return n;
}

/** Pretty-printed JSON on stdout (the `--json` output of the producer commands). */
export const printJson = (value: unknown) => print(`${safeJson(value, 2)}\n`);

/** `--redis-url` / `--queue-prefix`: the same flags as zeroshot worker; they override REDIS_URL / ZEROSHOT_QUEUE_PREFIX. */
export interface ConnectionFlags {
  redisUrl?: string;
  queuePrefix?: string;
}

export function addConnectionOptions(cmd: Command): Command {
  return cmd
    .option('--redis-url <url>', 'Redis connection [env REDIS_URL; default redis://127.0.0.1:6379]')
    .option('--queue-prefix <prefix>', 'BullMQ key prefix [env ZEROSHOT_QUEUE_PREFIX; default {zeroshot}]');
}

export function depsFrom(flags: ConnectionFlags): ProducerDeps {
  return {
    ...(flags.redisUrl ? { redisUrl: flags.redisUrl } : {}),
    ...(flags.queuePrefix ? { prefix: flags.queuePrefix } : {}),
  };
}
