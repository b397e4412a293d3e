/** Runs `fn` until both `minIterations` and `minMs` are reached; returns the mean ms per iteration. */
export async function timeRepeated(
  fn: () => Promise<unknown>,
  opts: { minIterations: number; minMs: number; warmup?: number },
): Promise<{ iterations: number; totalMs: number; msPerIteration: number }> {
  for (let i = 0; i < (opts.warmup ?? 1); i++) await fn();
  let iterations = 0;
  const start = performance.now();
  let elapsed = 0;
  while (iterations < opts.minIterations || elapsed < opts.minMs) {
    await fn();
    iterations++;
    elapsed = performance.now() - start;
  }
  return { iterations, totalMs: elapsed, msPerIteration: elapsed / iterations };
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight. */
export async function runPool(count: number, concurrency: number, task: (i: number) => Promise<void>) {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
}

export const round = (x: number, digits = 2) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
