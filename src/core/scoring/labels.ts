import { UsageError } from '../errors/index.js';

/** More labels than this is almost certainly a mistake (and a huge text-encoding bill). */
export const MAX_LABELS = 10_000;
/** Characters per label; the tokenizer truncates long labels anyway (and warns). */
export const MAX_LABEL_LENGTH = 1_000;

/**
 * Checks a label set and returns it with surrounding whitespace trimmed. Throws UsageError INVALID_LABELS
 * naming the offending label: no labels, a non-string, a blank label, a duplicate, too many or too long.
 */
export function validateLabels(labels: readonly unknown[]): string[] {
  if (!Array.isArray(labels) || labels.length === 0) {
    throw new UsageError(
      'INVALID_LABELS',
      'no labels given: pass at least one label, e.g. --labels "cat,dog"',
    );
  }
  if (labels.length > MAX_LABELS) {
    throw new UsageError(
      'INVALID_LABELS',
      `${labels.length} labels given, at most ${MAX_LABELS} are allowed`,
    );
  }
  const seen = new Map<string, number>();
  const out: string[] = [];
  labels.forEach((raw, i) => {
    if (typeof raw !== 'string') {
      throw new UsageError('INVALID_LABELS', `label #${i + 1} is not a string (${typeof raw})`);
    }
    const label = raw.trim();
    if (label.length === 0) {
      throw new UsageError('INVALID_LABELS', `label #${i + 1} is empty or blank`);
    }
    if (label.length > MAX_LABEL_LENGTH) {
      throw new UsageError(
        'INVALID_LABELS',
        `label #${i + 1} (${JSON.stringify(`${label.slice(0, 40)}…`)}) is longer than ${MAX_LABEL_LENGTH} characters`,
      );
    }
    const first = seen.get(label);
    if (first !== undefined) {
      throw new UsageError(
        'INVALID_LABELS',
        `duplicate label ${JSON.stringify(label)} (labels #${first + 1} and #${i + 1})`,
      );
    }
    seen.set(label, i);
    out.push(label);
  });
  return out;
}
