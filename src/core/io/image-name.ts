import type { ImageSource } from '../types.js';

/** How an image is named in results: the path or URL as given, or `buffer:<index>` for raw bytes. */
export function imageName(source: ImageSource, index: number): string {
  if (typeof source === 'string') return source;
  if (source instanceof URL) return source.href;
  return `buffer:${index}`;
}
