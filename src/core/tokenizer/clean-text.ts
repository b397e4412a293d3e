import { htmlUnescape } from './html-unescape.js';

/**
 * OpenAI CLIP's `whitespace_clean(basic_clean(text))`: HTML-unescape twice (so `&amp;amp;` becomes `&`),
 * strip, and collapse whitespace runs to one space. ftfy's mojibake repair is not reproduced; the
 * tokenizer's own NFC normalizer covers the common Unicode cases.
 */
export function cleanClipText(text: string): string {
  return htmlUnescape(htmlUnescape(text)).trim().replace(/\s+/g, ' ').trim();
}

/** For non-CLIP tokenizers: only whitespace cleanup. */
export function cleanWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
