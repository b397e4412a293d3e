const seen = new WeakMap<object, Set<string>>();
// src/core does not depend on the logger: without a callback, warnings go through Node's warning channel.
export const defaultSink = (msg: string) => process.emitWarning(msg, 'ZeroshotWarning');

/**
 * Calls `onWarning` (default: process.emitWarning) at most once per key for that callback, so a
 * condition hit by every session or every batch produces one line, not a flood.
 */
export function warnOnce(onWarning: ((msg: string) => void) | undefined, key: string, msg: string): void {
  const sink = onWarning ?? defaultSink;
  let keys = seen.get(sink);
  if (!keys) {
    keys = new Set();
    seen.set(sink, keys);
  }
  if (keys.has(key)) return;
  keys.add(key);
  sink(msg);
}
