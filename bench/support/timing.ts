export interface Timed {
  iterations: number;
  /** wall-clock ms of each timed iteration */
  samplesMs: number[];
  meanMs: number;
  /** the median iteration: robust to other processes bursting on the shared machine */
  medianMs: number;
  /** user + system CPU ms this process spent per iteration (all its threads: ORT, libuv, main) */
  cpuMsPerIteration: number;
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

/** Runs `fn` until both `minIterations` and `minMs` are reached, after `warmup` untimed calls. */
export async function timeRepeated(
  fn: () => Promise<unknown>,
  opts: { minIterations: number; minMs: number; warmup?: number },
): Promise<Timed> {
  for (let i = 0; i < (opts.warmup ?? 1); i++) await fn();
  const samplesMs: number[] = [];
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  while (samplesMs.length < opts.minIterations || performance.now() - start < opts.minMs) {
    const s = performance.now();
    await fn();
    samplesMs.push(performance.now() - s);
  }
  const cpu = cpuMs(process.cpuUsage(cpu0));
  return {
    iterations: samplesMs.length,
    samplesMs: samplesMs.map((m) => round(m, 1)),
    meanMs: samplesMs.reduce((a, b) => a + b, 0) / samplesMs.length,
    medianMs: median(samplesMs),
    cpuMsPerIteration: cpu / samplesMs.length,
  };
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
