import type { ResultLine } from '../jobs/index.js';
import { partUri } from '../runs/index.js';
import type { LineSource, Storage } from '../storage/types.js';

/** The part's lines one at a time: a part is never one string (950 labels x 600 images would not fit). */
function partBody(lines: ResultLine[]): LineSource {
  return {
    *lines() {
      for (const line of lines) yield `${JSON.stringify(line)}\n`;
    },
  };
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
  await storage.put(uri, partBody(lines), { contentType: 'application/x-ndjson' });
  return uri;
}
