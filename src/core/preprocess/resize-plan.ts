import type { PreprocessConfig } from '../types.js';

/** Size to resize an (already EXIF-oriented) image to, then the centre crop to extract. */
export interface ResizePlan {
  width: number;
  height: number;
  crop: { left: number; top: number; width: number; height: number };
}

/**
 * The Hugging Face CLIPImageProcessor geometry: the shortest edge becomes `shortestEdge` and the long edge
 * `int(shortestEdge * long / short)` (truncated, as transformers does), then a centre crop whose offset is
 * `(n - crop) // 2`. SigLIP-style configs (`resizeTo`) resize to the exact size without a crop.
 */
export function planResize(config: PreprocessConfig, width: number, height: number): ResizePlan {
  let w: number;
  let h: number;
  if (config.resizeTo) {
    w = config.resizeTo.width;
    h = config.resizeTo.height;
  } else {
    const edge = config.shortestEdge ?? config.imageSize;
    if (width <= height) {
      w = edge;
      h = Math.max(1, Math.floor((edge * height) / width));
    } else {
      h = edge;
      w = Math.max(1, Math.floor((edge * width) / height));
    }
  }
  // Without a crop, an exact resize is final; a shortest-edge resize still needs the square model input.
  const cw = config.crop?.width ?? (config.resizeTo ? w : config.imageSize);
  const ch = config.crop?.height ?? (config.resizeTo ? h : config.imageSize);
  // An image smaller than the crop is padded by HF; we resize up to the crop instead (never happens with
  // shortest edge ≥ crop, which every CLIP/SigLIP config satisfies).
  w = Math.max(w, cw);
  h = Math.max(h, ch);
  return {
    width: w,
    height: h,
    crop: { left: Math.floor((w - cw) / 2), top: Math.floor((h - ch) / 2), width: cw, height: ch },
  };
}
