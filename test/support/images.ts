/**
 * Small generated images for preprocessing and error tests: awkward-but-valid inputs (EXIF rotation,
 * alpha, 16-bit, CMYK, GIF, WebP) and broken ones (truncated, text, SVG with external references).
 * Everything is built in memory, so no binary fixture is committed.
 */
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { PHOTO, photoPath } from './fixtures.js';

type Rgb = { r: number; g: number; b: number };

export const RED: Rgb = { r: 255, g: 0, b: 0 };
export const BLUE: Rgb = { r: 0, g: 0, b: 255 };

/** A fixture photo's bytes (default: an ordinary 451×300 sRGB JPEG). */
export function samplePhoto(name = PHOTO): Buffer {
  return readFileSync(photoPath(name));
}

/** A solid colour image as PNG. */
export function solid(width: number, height: number, colour: Rgb): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .png()
    .toBuffer();
}

/** Left half `left`, right half `right`, as raw RGB. */
function halves(width: number, height: number, left: Rgb, right: Rgb): Buffer {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = x < width / 2 ? left : right;
      raw.set([c.r, c.g, c.b], (y * width + x) * 3);
    }
  }
  return raw;
}

/**
 * A 64×32 JPEG, red on the left and blue on the right, tagged EXIF orientation 6 (display rotated 90°
 * clockwise): once oriented it is 32×64 with red on TOP and blue at the bottom.
 */
export function exifRotatedJpeg(): Promise<Buffer> {
  return sharp(halves(64, 32, RED, BLUE), { raw: { width: 64, height: 32, channels: 3 } })
    .jpeg({ quality: 95 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

/** A fully transparent black PNG: flattening must make it white. */
export function transparentPng(): Promise<Buffer> {
  return sharp({ create: { width: 16, height: 16, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
    .png()
    .toBuffer();
}

/** A 16-bit per channel RGB PNG of one grey level (8-bit value `v`). */
export function png16(v: number): Promise<Buffer> {
  return sharp({ create: { width: 16, height: 16, channels: 3, background: { r: v, g: v, b: v } } })
    .toColourspace('rgb16')
    .png()
    .toBuffer();
}

export function cmykJpeg(colour: Rgb): Promise<Buffer> {
  return sharp({ create: { width: 16, height: 16, channels: 3, background: colour } })
    .toColourspace('cmyk')
    .jpeg({ quality: 95 })
    .toBuffer();
}

/** An animated GIF whose frames are the given colours: only the first may be used. */
export async function animatedGif(colours: Rgb[]): Promise<Buffer> {
  const frames = await Promise.all(colours.map((c) => solid(16, 16, c)));
  return sharp(frames, { join: { animated: true } })
    .gif()
    .toBuffer();
}

export function webp(colour: Rgb): Promise<Buffer> {
  return sharp({ create: { width: 16, height: 16, channels: 3, background: colour } })
    .webp({ lossless: true })
    .toBuffer();
}

/** The first half of a real JPEG photo. */
export function truncatedJpeg(): Buffer {
  const photo = samplePhoto();
  return photo.subarray(0, photo.length >> 1);
}

export function textNamedJpeg(): Buffer {
  return Buffer.from('this is not an image, just text saved as .jpg\n'.repeat(20));
}

export function svgWithExternalReference(): Buffer {
  return Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="8" height="8">' +
      '<image xlink:href="file:///etc/passwd" width="8" height="8"/></svg>',
  );
}

/** A PNG header declaring `width × height` in a few dozen bytes (shared with the hostile corpus). */
export { pngHeaderOnly } from './hostile-corpus.js';
