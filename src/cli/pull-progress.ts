import cliProgress from 'cli-progress';
import type { PullOptions } from '../core/model/index.js';

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

export type PullProgress = Pick<PullOptions, 'onPlan' | 'onProgress' | 'onFileDone'> & { stop(): void };

/** Progress: a byte bar on a terminal, one line per file otherwise (logs, CI). */
export function pullProgress(
  err: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
): PullProgress {
  if (!err.isTTY) {
    const sizes = new Map<string, number>();
    return {
      onPlan: (files) => {
        for (const f of files) sizes.set(f.path, f.size);
      },
      onProgress: () => {},
      onFileDone: (file, skipped) =>
        err.write(
          `${skipped ? 'present    ' : 'downloaded '} ${file} (${formatBytes(sizes.get(file) ?? 0)})\n`,
        ),
      stop: () => {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: '{bar} {percentage}% | {done}/{size} | {file}',
      hideCursor: true,
      stream: err,
    },
    cliProgress.Presets.shades_classic,
  );
  let doneBytes = 0;
  let started = false;
  const sizes = new Map<string, number>();
  const payload = (file: string, current: number) => ({
    file,
    done: formatBytes(doneBytes + current),
    size: formatBytes(bar.getTotal()),
  });
  return {
    onPlan: (files) => {
      const todo = files.filter((f) => !f.present);
      for (const f of todo) sizes.set(f.path, f.size);
      const total = todo.reduce((s, f) => s + f.size, 0);
      if (total > 0) {
        bar.start(total, 0, { file: '', done: '0 B', size: formatBytes(total) });
        started = true;
      }
    },
    onProgress: (file, bytes) => {
      if (started) bar.update(doneBytes + bytes, payload(file, bytes));
    },
    onFileDone: (file, skipped) => {
      if (!skipped) doneBytes += sizes.get(file) ?? 0;
      if (started) bar.update(doneBytes, payload(file, 0));
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
