import type { ResultLine } from '../jobs/index.js';
import { partUri } from '../runs/index.js';
import type { Storage } from '../storage/types.js';

export function serializeLines(lines: ResultLine[]): string {
  let out = '';
  for (const line of lines) out += `${JSON.stringify(line)}\n`;
  return out;
}

/**
 * Writes a chunk's part ONCE, after every image of the chunk has a line. The storage put is atomic, and a
 * retried chunk writes the same URI again, so a part is never duplicated nor seen half written.
 */
export async function writePart(
  storage: Storage,
  output: string,
  runId: string,
  index: number,
  lines: ResultLine[],
): Promise<string> {
  const uri = partUri(output, runId, index);
  await storage.put(uri, serializeLines(lines), { contentType: 'application/x-ndjson' });
  return uri;
}
