import { UsageError } from '../core/errors/index.js';
import { LIMITS } from '../jobs/index.js';

/** Labels each result line keeps: `topK` (a number or 'all') bounded by the label count. */
function labelsPerLine(labelCount: number, topK: number | undefined): number {
  return topK === undefined ? labelCount : Math.min(topK, labelCount);
}

/**
 * A part file holds (labels per line) x (chunk size) scores; refused at enqueue above
 * LIMITS.maxScoresPerPart, with the numbers and the two ways out in the message.
 */
export function checkPartSize(labelCount: number, topK: number | undefined, chunkSize: number): void {
  const perLine = labelsPerLine(labelCount, topK);
  const scores = perLine * chunkSize;
  if (scores <= LIMITS.maxScoresPerPart) return;
  const kept = topK === undefined ? `all ${labelCount} labels (--top-k all)` : `--top-k ${perLine}`;
  throw new UsageError(
    'INVALID_OPTION',
    `${kept} x --chunk-size ${chunkSize} = ${scores} label scores per part file, above the limit of ` +
      `${LIMITS.maxScoresPerPart}: lower --chunk-size to at most ${Math.floor(LIMITS.maxScoresPerPart / perLine)} ` +
      'or keep fewer labels per image with --top-k',
  );
}
