export { cleanClipText, cleanWhitespace } from './clean-text.js';
export {
  ClipTokenizer,
  type TokenBatch,
  type TokenizerOptions,
  type TokenizerSpec,
} from './clip-tokenizer.js';
export { htmlUnescape } from './html-unescape.js';
