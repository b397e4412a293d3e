import { UsageError } from '../core/errors/index.js';
import { validateLabels } from '../core/scoring/labels.js';
import { resolveTemplates } from '../core/scoring/templates.js';
import { LIMITS, PAYLOAD_VERSION, type RunSpec, runSpecSchema } from '../jobs/index.js';
import { ENQUEUE_DEFAULTS, type EnqueueOptions } from './options.js';
import { checkPartSize } from './part-size.js';

/**
 * Builds and validates the RunSpec written once into the run hash. Throws UsageError (INVALID_LABELS for the
 * label set, INVALID_OPTION otherwise) naming the problem; nothing has touched Redis at this point.
 */
export async function buildRunSpec(
  opts: EnqueueOptions,
  runId: string,
  output: string,
  source: string[],
  now: Date,
): Promise<RunSpec> {
  // The engine's own checks first (their messages name the offending label/template), then the job schema.
  const labels = validateLabels(opts.labels);
  if (opts.templates?.length || opts.ensemble) {
    resolveTemplates({
      ...(opts.templates?.length ? { templates: opts.templates } : {}),
      ...(opts.ensemble ? { ensemble: opts.ensemble } : {}),
    });
  }
  const topK = opts.topK === 'all' ? undefined : (opts.topK ?? ENQUEUE_DEFAULTS.topK);
  checkPartSize(labels.length, topK, opts.chunkSize ?? ENQUEUE_DEFAULTS.chunkSize);
  const candidate = {
    v: PAYLOAD_VERSION,
    runId,
    labels,
    ...(opts.templates?.length ? { templates: opts.templates } : {}),
    ...(opts.ensemble ? { ensemble: opts.ensemble } : {}),
    mode: opts.mode ?? 'softmax',
    ...(topK !== undefined ? { topK } : {}),
    ...(opts.threshold !== undefined ? { threshold: opts.threshold } : {}),
    output,
    source: source.slice(0, 1_000),
    createdAt: now.toISOString(),
    ...(opts.schedule ? { schedule: opts.schedule } : {}),
    incremental: opts.incremental ?? false,
    storeEmbeddings: opts.storeEmbeddings ?? false,
    reuseEmbeddings: opts.reuseEmbeddings ?? false,
    ...(opts.report ? { report: true as const } : {}),
  };
  const res = runSpecSchema.safeParse(candidate);
  if (!res.success) {
    const issue = res.error.issues[0];
    const field = String(issue?.path[0] ?? 'spec');
    if (field === 'labels') {
      const which = issue && issue.path.length > 1 ? ` (label #${Number(issue.path[1]) + 1})` : '';
      throw new UsageError('INVALID_LABELS', `--labels: ${issue?.message}${which}`);
    }
    const option =
      { templates: '--template', topK: '--top-k', runId: '--run-id', output: '--output' }[field] ?? field;
    throw new UsageError('INVALID_OPTION', `${option}: ${issue?.message}`);
  }
  const bytes = Buffer.byteLength(JSON.stringify(res.data));
  if (bytes > LIMITS.maxPayloadBytes) {
    throw new UsageError(
      'INVALID_LABELS',
      `the run spec (labels and templates) is ${bytes} bytes, above the ${LIMITS.maxPayloadBytes}-byte payload limit`,
    );
  }
  return res.data;
}
