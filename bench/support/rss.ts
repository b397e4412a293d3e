// Samples a process's RSS while a run goes on, and judges growth after warm-up.

export interface RssSample {
  tMs: number;
  bytes: number;
}

export interface RssVerdict {
  samples: number;
  warmMiB: number;
  endMiB: number;
  maxMiB: number;
  growthMiB: number;
  growthPercent: number;
  /** true when the RSS at the end is within 10 % (and 64 MiB slack) of the RSS just after warm-up. */
  noGrowth: boolean;
}

export function startRssSampler(read: () => number | undefined, everyMs = 1_000) {
  const samples: RssSample[] = [];
  const t0 = performance.now();
  const take = () => {
    const bytes = read();
    if (bytes !== undefined) samples.push({ tMs: Math.round(performance.now() - t0), bytes });
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop(): RssSample[] {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};
const mib = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;

/** Warm = median of the samples in 20–30 % of the run; end = median of the last 10 %. */
export function judgeRss(samples: RssSample[]): RssVerdict {
  const n = samples.length;
  const window = (from: number, to: number) =>
    samples
      .slice(Math.floor(n * from), Math.max(Math.floor(n * from) + 1, Math.ceil(n * to)))
      .map((s) => s.bytes);
  const warm = median(window(0.2, 0.3));
  const end = median(window(0.9, 1));
  const growth = end - warm;
  return {
    samples: n,
    warmMiB: mib(warm),
    endMiB: mib(end),
    maxMiB: mib(Math.max(...samples.map((s) => s.bytes))),
    growthMiB: mib(growth),
    growthPercent: Math.round((growth / warm) * 1000) / 10,
    noGrowth: growth <= Math.max(0.1 * warm, 64 * 2 ** 20),
  };
}

/** Downsamples for the results file (at most `max` points). */
export function thin(samples: RssSample[], max = 200): Array<[number, number]> {
  const step = Math.max(1, Math.ceil(samples.length / max));
  return samples.filter((_, i) => i % step === 0).map((s) => [s.tMs, mib(s.bytes)]);
}
