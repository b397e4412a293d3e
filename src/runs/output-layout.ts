import { UsageError } from '../core/errors/index.js';
import { ID_PATTERN } from '../jobs/names.js';
import { joinUri } from '../storage/uri.js';

/**
 * Where a run's files go, under `<output>/<runId>/`:
 *   part-<chunk 6 digits>.jsonl               one line per image (result or error)
 *   embeddings/part-<chunk 6 digits>.f16      stored image embeddings (`--store-embeddings`)
 *   report.html                               with `enqueue --report`: zeroshot report's page
 *   _SUMMARY.json                             written last: the run is complete
 */
export const SUMMARY_NAME = '_SUMMARY.json';
export const REPORT_NAME = 'report.html';

const chunkNumber = (index: number) => {
  if (!Number.isInteger(index) || index < 0) {
    throw new UsageError('INVALID_OPTION', `chunk index must be an integer ≥ 0 (got ${String(index)})`);
  }
  return String(index).padStart(6, '0');
};

const checkRunId = (runId: string) => {
  if (!ID_PATTERN.test(runId)) {
    throw new UsageError('INVALID_OPTION', `runId must match ${ID_PATTERN} (got ${JSON.stringify(runId)})`);
  }
  return runId;
};

export const partName = (index: number) => `part-${chunkNumber(index)}.jsonl`;

/** `<output>/<runId>/` */
export const runDirUri = (output: string, runId: string) => joinUri(output, `${checkRunId(runId)}/`);

export const partUri = (output: string, runId: string, index: number) =>
  joinUri(output, checkRunId(runId), partName(index));

export const packUri = (output: string, runId: string, index: number) =>
  joinUri(output, checkRunId(runId), 'embeddings', `part-${chunkNumber(index)}.f16`);

export const reportUri = (output: string, runId: string) => joinUri(output, checkRunId(runId), REPORT_NAME);

export const summaryUri = (output: string, runId: string) => joinUri(output, checkRunId(runId), SUMMARY_NAME);
