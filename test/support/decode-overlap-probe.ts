// Child process of test/core/preprocess/thread-pool.test.ts: decodes 8 large images at once through the
// ImagePreprocessor and prints the most sharp pipelines seen executing on libuv's pool at the same moment
// (sharp.counters().process counts pipelines whose native work has started and not yet completed).
import sharp from 'sharp';
import { ImagePreprocessor } from '../../src/core/preprocess/index.js';

const COUNT = process.argv.includes('--env-only') ? 0 : 8;
const images = await Promise.all(
  Array.from({ length: COUNT }, (_, i) =>
    sharp({
      create: {
        width: 2400,
        height: 1800,
        channels: 3,
        background: { r: 30 * i, g: 100, b: 200 },
        noise: { type: 'gaussian', mean: 128, sigma: 60 },
      },
    })
      .jpeg({ quality: 90 })
      .toBuffer(),
  ),
);
const pre = new ImagePreprocessor({
  resizeTo: { width: 32, height: 32 },
  rescaleFactor: 1 / 255,
  mean: [0.5, 0.5, 0.5],
  std: [0.5, 0.5, 0.5],
  imageSize: 32,
});
let maxInProcess = 0;
let done = false;
const sample = () => {
  maxInProcess = Math.max(maxInProcess, sharp.counters().process);
  if (!done) setImmediate(sample);
};
sample();
await Promise.all(images.map((img) => pre.preprocess(img)));
done = true;
process.stdout.write(
  `${JSON.stringify({ threadPool: process.env.UV_THREADPOOL_SIZE ?? null, maxInProcess })}\n`,
);
