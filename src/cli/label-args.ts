import { readFile } from 'node:fs/promises';
import { UsageError } from '../core/errors/index.js';
import { validateLabels } from '../core/scoring/labels.js';

/** `--labels a,b` (repeatable) plus `--labels-file F` (one per line, blank lines and `#` comments skipped). */
export async function readLabelArgs(lists: string[] = [], file?: string): Promise<string[]> {
  const labels = lists.flatMap((l) => l.split(','));
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new UsageError('INVALID_OPTION', `cannot read --labels-file ${file}: ${(err as Error).message}`);
    }
    for (const line of text.split(/\r?\n/)) {
      const t = line.trim();
      if (t !== '' && !t.startsWith('#')) labels.push(t);
    }
  }
  if (labels.length === 0 || labels.every((l) => l.trim() === '')) {
    throw new UsageError('INVALID_LABELS', 'no labels given: use --labels "cat,dog" or --labels-file FILE');
  }
  return validateLabels(labels);
}
