import { Tokenizer } from '@huggingface/tokenizers';
import { ModelError } from '../errors/index.js';
import { defaultSink } from '../runtime/warn-once.js';
import type { ModelSpec } from '../types.js';
import { cleanClipText, cleanWhitespace } from './clean-text.js';

export type TokenizerSpec = Pick<
  ModelSpec,
  'tokenizerJson' | 'tokenizerConfig' | 'contextLength' | 'modelType'
>;

export interface TokenizerOptions {
  /** Told once per tokenizer when a text is longer than the context and gets truncated. */
  onWarning?: (msg: string) => void;
}

export interface TokenBatch {
  /** One row per text, every row `seqLen` long (padded with `padId`). */
  ids: number[][];
  /** 1 for real tokens, 0 for padding. */
  attentionMask: number[][];
  seqLen: number;
}

function tokenContent(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  return undefined;
}

/**
 * Tokenizer of a CLIP or SigLIP model over its `tokenizer.json`, with OpenAI CLIP's text cleanup and
 * truncation (first context-1 ids, then end-of-text). CLIP batches pad to the longest text with
 * end-of-text (the text model pools at the first end-of-text, so padding does not change the result);
 * SigLIP pads to the full context with its pad id, as it was trained.
 */
export class ClipTokenizer {
  readonly contextLength: number;
  readonly padId: number;
  readonly eosId: number | undefined;
  readonly padToContext: boolean;
  private readonly tokenizer: Tokenizer;
  private readonly clean: (text: string) => string;
  private readonly onWarning: ((msg: string) => void) | undefined;
  private warnedTruncation = false;

  constructor(spec: TokenizerSpec, opts: TokenizerOptions = {}) {
    try {
      this.tokenizer = new Tokenizer(spec.tokenizerJson, spec.tokenizerConfig);
    } catch (err) {
      throw new ModelError(
        'MODEL_FILE_CORRUPT',
        `tokenizer.json could not be loaded: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    this.contextLength = spec.contextLength;
    this.padToContext = spec.modelType === 'siglip';
    this.clean = spec.modelType === 'clip' ? cleanClipText : cleanWhitespace;
    this.onWarning = opts.onWarning;
    const idOf = (key: string) => {
      const content = tokenContent(spec.tokenizerConfig[key]);
      return content === undefined ? undefined : this.tokenizer.token_to_id(content);
    };
    this.eosId = idOf('eos_token') ?? this.tokenizer.token_to_id('<|endoftext|>');
    this.padId = idOf('pad_token') ?? this.eosId ?? 0;
  }

  /** Ids of one text with start/end tokens, truncated to the context length. */
  encode(text: string): number[] {
    const ids = this.tokenizer.encode(this.clean(text)).ids;
    if (ids.length <= this.contextLength) return ids;
    if (!this.warnedTruncation) {
      this.warnedTruncation = true;
      const shown = text.length > 60 ? `${text.slice(0, 60)}…` : text;
      const msg = `text longer than the model's ${this.contextLength}-token context is truncated (first such text: ${JSON.stringify(shown)}, ${ids.length} tokens); further truncations are not reported`;
      (this.onWarning ?? defaultSink)(msg);
    }
    const last = ids[ids.length - 1];
    return last !== undefined && last === this.eosId
      ? [...ids.slice(0, this.contextLength - 1), last]
      : ids.slice(0, this.contextLength);
  }

  encodeBatch(texts: string[]): TokenBatch {
    return this.padBatch(texts.map((t) => this.encode(t)));
  }

  /** Pads already encoded rows: to the longest row (CLIP) or to the context (SigLIP). */
  padBatch(rows: number[][]): TokenBatch {
    const seqLen = this.padToContext ? this.contextLength : Math.max(1, ...rows.map((r) => r.length));
    const ids: number[][] = [];
    const attentionMask: number[][] = [];
    for (const row of rows) {
      const pad = seqLen - row.length;
      ids.push(pad > 0 ? [...row, ...new Array<number>(pad).fill(this.padId)] : row);
      attentionMask.push([
        ...new Array<number>(row.length).fill(1),
        ...new Array<number>(Math.max(0, pad)).fill(0),
      ]);
    }
    return { ids, attentionMask, seqLen };
  }
}
