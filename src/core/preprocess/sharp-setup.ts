import sharp from 'sharp';

let configured = false;

/**
 * Process-wide sharp settings, applied once before the first decode.
 *
 * Threads: each decode runs on one libuv worker thread with ONE libvips thread (`concurrency(1)`), and
 * parallelism comes from decoding several images at once (the batcher's `decodeConcurrency`). ONNX Runtime
 * runs inference on its own intra-op thread pool at the same time, so decoders and the model share the
 * cores: per-image libvips threading would only oversubscribe them, while whole images in parallel
 * keep every core busy with no synchronisation inside an image.
 *
 * Cache: libvips' operation cache helps when the same file is processed repeatedly; we never do that, and
 * a large cache holds decoded pixels of hostile images, so it stays small.
 */
export function configureSharp(): void {
  if (configured) return;
  configured = true;
  sharp.concurrency(1);
  sharp.cache({ memory: 16, files: 0, items: 32 });
}
