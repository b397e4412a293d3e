import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRunDirect, samplePhotos, waitForSummary } from '../worker/helpers.js';

export const REPORT_LABELS = ['a dog', 'a cat', 'a fish', 'a car', 'a bird', 'a <b>tag</b> & "quote"'];

export interface LabelledRun {
  runId: string;
  /** The run's output prefix URI (file://.../out/). */
  output: string;
  outDir: string;
  // biome-ignore lint/suspicious/noExplicitAny: parsed _SUMMARY.json
  summary: any;
  images: string[];
}

/**
 * A real run for the report tests: `photos` sample photos plus an empty file, a text file named .jpg and a
 * missing file, labelled by the worker the caller started (redisUrl/prefix), in chunks of 8.
 */
export async function labelledRun(o: {
  redisUrl: string;
  prefix: string;
  dir: string;
  runId: string;
  photos: number;
  /** `enqueue --report`: the worker writes report.html at finalize. */
  report?: boolean;
}): Promise<LabelledRun> {
  const imagesDir = path.join(o.dir, 'images');
  mkdirSync(imagesDir, { recursive: true });
  // As many photos as asked for, cycling through the sample set under distinct names.
  const samples = samplePhotos();
  const photos = Array.from({ length: o.photos }, (_, i) => {
    const from = new URL(samples[i % samples.length] as string);
    const to = path.join(imagesDir, `${String(i).padStart(3, '0')}-${path.basename(from.pathname)}`);
    copyFileSync(from, to);
    return pathToFileURL(to).href;
  });
  writeFileSync(path.join(imagesDir, 'empty.jpg'), Buffer.alloc(0));
  writeFileSync(path.join(imagesDir, 'text.jpg'), 'this is not a JPEG at all\n');
  const bad = ['empty.jpg', 'text.jpg', 'missing.jpg'].map(
    (f) => pathToFileURL(path.join(imagesDir, f)).href,
  );
  const images = [...photos.slice(0, 5), ...bad, ...photos.slice(5)];
  const outDir = path.join(o.dir, 'out');
  const output = `${pathToFileURL(outDir).href}/`;
  await createRunDirect({
    runId: o.runId,
    redisUrl: o.redisUrl,
    prefix: o.prefix,
    output,
    images,
    labels: REPORT_LABELS,
    chunkSize: 8,
    ...(o.report ? { spec: { report: true as const } } : {}),
  });
  const summary = await waitForSummary(outDir, o.runId, 90_000);
  return { runId: o.runId, output, outDir, summary, images };
}
