/** How producer and worker read and write the run hash and its progress hash (`keys().run/runProgress`). */
export type RunState = 'running' | 'cancelled' | 'completed';

const count = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));

/** The run hash fields both sides interpret: state, sealed flag, chunk and image counts once known. */
export function parseRunHash(h: Record<string, string | undefined>): {
  state: RunState;
  sealed: boolean;
  chunks: number | undefined;
  images: number | undefined;
} {
  return {
    state: (h.state as RunState | undefined) ?? 'running',
    sealed: h.sealed === '1' || h.sealed === 'true',
    chunks: count(h.chunks),
    images: count(h.images),
  };
}

/** One progress-hash value: `<images scored>,<images with an error line>` of a written chunk. */
export const chunkProgress = {
  format: (done: number, failed: number): string => `${done},${failed}`,
  parse(value: string): { done: number; failed: number } {
    const [d, f] = value.split(',').map(Number);
    return { done: Number.isFinite(d) ? (d as number) : 0, failed: Number.isFinite(f) ? (f as number) : 0 };
  },
};
