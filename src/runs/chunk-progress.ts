/** Chunk index → images scored / with an error line, as written by workers into the run's progress hash. */
export type RunProgress = Map<number, { done: number; failed: number }>;

/** One progress-hash value: `<images scored>,<images with an error line>` of a written chunk. */
export const chunkProgress = {
  format: (done: number, failed: number): string => `${done},${failed}`,
  parse(value: string): { done: number; failed: number } {
    const [d, f] = value.split(',').map(Number);
    return { done: Number.isFinite(d) ? (d as number) : 0, failed: Number.isFinite(f) ? (f as number) : 0 };
  },
};
