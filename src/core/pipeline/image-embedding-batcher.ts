import os from 'node:os';
import { ImageError, ModelError, ZeroshotError } from '../errors/index.js';
import type { ImagePreprocessor } from '../preprocess/index.js';
import {
  type ImageEmbeddingBatcherOptions,
  type ResolvedBatcherOptions,
  resolveBatcherOptions,
} from './batcher-options.js';
import { Semaphore } from './semaphore.js';

/** What the batcher needs from the vision encoder. */
export interface BatchEmbedder {
  embed(pixels: Float32Array, count: number): Promise<Float32Array[]>;
}

interface Entry {
  slot: number;
  ok: boolean;
  /** Seconds the decode took once it had a decode slot. */
  decodeSeconds: number;
  resolve: (emb: Float32Array) => void;
  reject: (err: unknown) => void;
}

/** One preallocated batch tensor and the images decoded (or being decoded) into it. */
interface Batch {
  tensor: Float32Array;
  entries: Entry[];
  decoding: number;
  sealed: boolean;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The one micro-batcher every caller shares (CLI, library, all worker jobs): images are decoded with
 * bounded concurrency straight into a preallocated batch tensor; a batch goes to the vision encoder when it
 * is full, `maxWaitMs` after its first image, or at once when the encoder is idle and no other image is on
 * its way. Two tensors are double-buffered: one is being inferred while the next one fills. At most
 * `maxInFlight` images are accepted; further `embed()` calls wait (back-pressure instead of buffering).
 * A bad image rejects only its own promise (ImageError).
 */
export class ImageEmbeddingBatcher {
  readonly options: ResolvedBatcherOptions;
  private readonly floatsPerImage: number;
  private readonly slots: Semaphore;
  private readonly decodes: Semaphore;
  private readonly freeTensors: Float32Array[] = [];
  private readonly tensorWaiters: ((t: Float32Array) => void)[] = [];
  private readonly ready: Batch[] = [];
  private filling: Batch | undefined;
  private inferring = false;
  /** embed() calls that have not reserved a place in a batch yet. */
  private arriving = 0;
  private active = 0;
  private accepted = 0;
  private closed = false;
  private drained: (() => void) | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly pre: ImagePreprocessor,
    private readonly vision: BatchEmbedder,
    opts: ImageEmbeddingBatcherOptions = {},
  ) {
    this.options = resolveBatcherOptions(opts, os.availableParallelism());
    this.floatsPerImage = pre.floatsPerImage;
    this.slots = new Semaphore(this.options.maxInFlight);
    this.decodes = new Semaphore(this.options.decodeConcurrency);
    for (let i = 0; i < 2; i++)
      this.freeTensors.push(new Float32Array(this.options.batchSize * this.floatsPerImage));
  }

  /** Images holding one of the `maxInFlight` slots (being decoded, batched or inferred). */
  get inFlight(): number {
    return this.accepted;
  }

  /** embed() calls waiting for a slot (back-pressure). */
  get waiting(): number {
    return this.slots.waiting;
  }

  /** The L2-normalized embedding of one encoded image. Rejects with ImageError for a bad image only. */
  async embed(data: Buffer): Promise<Float32Array> {
    if (this.closed) throw new ModelError('INFERENCE_FAILED', 'the image batcher is closed');
    this.arriving++;
    this.active++;
    let slotTaken = false;
    try {
      await this.slots.acquire();
      slotTaken = true;
      this.accepted++;
      const { batch, entry, done } = await this.reserve();
      this.arriving--;
      await this.decodeInto(data, batch, entry);
      return await done;
    } catch (err) {
      throw err instanceof ZeroshotError
        ? err
        : new ModelError('INFERENCE_FAILED', String(err), { cause: err });
    } finally {
      if (!slotTaken) this.arriving--;
      if (slotTaken) {
        this.accepted--;
        this.slots.release();
      }
      this.active--;
      if (this.active === 0) this.drained?.();
    }
  }

  /** Stops accepting images, sends what is pending and resolves once every accepted image is answered. */
  close(): Promise<void> {
    this.closed = true;
    if (this.filling && !this.filling.sealed) this.seal(this.filling);
    this.closing ??=
      this.active === 0 ? Promise.resolve() : new Promise<void>((resolve) => (this.drained = resolve));
    return this.closing;
  }

  private async reserve(): Promise<{ batch: Batch; entry: Entry; done: Promise<Float32Array> }> {
    let batch = this.filling;
    if (!batch || batch.sealed) {
      const tensor =
        this.freeTensors.pop() ?? (await new Promise<Float32Array>((r) => this.tensorWaiters.push(r)));
      // Another caller may have opened a batch while this one waited for a tensor.
      if (this.filling && !this.filling.sealed) {
        this.returnTensor(tensor);
        return this.reserve();
      }
      batch = { tensor, entries: [], decoding: 0, sealed: false, timer: undefined };
      this.filling = batch;
      const opened = batch;
      opened.timer = setTimeout(() => this.seal(opened), this.options.maxWaitMs);
    }
    let entry!: Entry;
    const done = new Promise<Float32Array>((resolve, reject) => {
      entry = { slot: batch.entries.length, ok: false, decodeSeconds: 0, resolve, reject };
    });
    done.catch(() => {}); // observed by embed(); avoids an unhandled rejection if decode fails first
    batch.entries.push(entry);
    batch.decoding++;
    if (batch.entries.length === this.options.batchSize) this.seal(batch);
    return { batch, entry, done };
  }

  private async decodeInto(data: Buffer, batch: Batch, entry: Entry): Promise<void> {
    await this.decodes.acquire();
    const started = process.hrtime.bigint();
    try {
      await this.pre.preprocessInto(data, batch.tensor, entry.slot * this.floatsPerImage);
      entry.ok = true;
      entry.decodeSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    } catch (err) {
      entry.reject(
        err instanceof ImageError ? err : new ImageError('IMAGE_CORRUPT', String(err), { cause: err }),
      );
    } finally {
      this.decodes.release();
      batch.decoding--;
      this.maybeDispatch(batch);
    }
  }

  private seal(batch: Batch): void {
    if (batch.sealed) return;
    batch.sealed = true;
    clearTimeout(batch.timer);
    if (this.filling === batch) this.filling = undefined;
    this.maybeDispatch(batch);
  }

  private maybeDispatch(batch: Batch): void {
    if (batch.decoding > 0) return;
    if (!batch.sealed) {
      // The encoder would sit idle and no caller holding a slot is about to join (callers still waiting
      // for a slot cannot join before this batch completes): send what we have.
      if (this.inferring || this.ready.length > 0 || this.arriving > this.slots.waiting) return;
      this.seal(batch); // re-enters with sealed = true
      return;
    }
    this.ready.push(batch);
    void this.runNext();
  }

  private async runNext(): Promise<void> {
    if (this.inferring) return;
    const batch = this.ready.shift();
    if (!batch) return;
    this.inferring = true;
    const ok = compact(batch, this.floatsPerImage);
    const started = process.hrtime.bigint();
    try {
      if (ok.length > 0) {
        const embs = await this.vision.embed(batch.tensor, ok.length);
        ok.forEach((e, i) => {
          e.resolve(embs[i] as Float32Array);
        });
      }
    } catch (err) {
      const e =
        err instanceof ZeroshotError ? err : new ModelError('INFERENCE_FAILED', String(err), { cause: err });
      for (const entry of ok) entry.reject(e);
    } finally {
      const inferSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.returnTensor(batch.tensor);
      this.inferring = false;
      if (ok.length > 0) {
        try {
          this.options.onBatch?.({
            size: ok.length,
            failed: batch.entries.length - ok.length,
            inferSeconds,
            decodeSeconds: ok.map((e) => e.decodeSeconds),
          });
        } catch {
          // a metrics hook must never break inference
        }
      }
      // The encoder is free again: a partly filled batch whose decodes are done can go now.
      if (this.ready.length > 0) void this.runNext();
      else if (this.filling) this.maybeDispatch(this.filling);
    }
  }

  private returnTensor(tensor: Float32Array): void {
    const waiter = this.tensorWaiters.shift();
    if (waiter) waiter(tensor);
    else this.freeTensors.push(tensor);
  }
}

/** Moves the decoded images to the front of the tensor (failed ones leave holes) and returns them in order. */
function compact(batch: Batch, per: number): Entry[] {
  const ok: Entry[] = [];
  for (const entry of batch.entries) {
    if (!entry.ok) continue;
    const to = ok.length;
    if (entry.slot !== to) batch.tensor.copyWithin(to * per, entry.slot * per, (entry.slot + 1) * per);
    ok.push(entry);
  }
  return ok;
}
