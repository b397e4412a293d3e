/**
 * Small generated images for preprocessing and error tests: awkward-but-valid inputs (EXIF rotation,
 * alpha, 16-bit, CMYK, GIF, WebP) and broken ones (truncated, text, a header claiming 20000×20000).
 * Everything is built in memory, so no binary fixture is committed.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { SAMPLE_IMAGES_DIR } from './shared.js';

type Rgb = { r: number; g: number; b: number };

export const RED: Rgb = { r: 255, g: 0, b: 0 };
export const BLUE: Rgb = { r: 0, g: 0, b: 255 };

export function samplePhoto(name = 'n01440764_tench.JPEG'): Buffer {
  return readFileSync(path.join(SAMPLE_IMAGES_DIR, name));
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

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) c = (CRC_TABLE[(c ^ byte) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/**
 * A hand-crafted PNG whose header declares `width × height` (8-bit grey) but which carries one row of
 * pixels: a few dozen bytes claiming e.g. 400 megapixels.
 */
export function pngHeaderClaiming(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.writeUInt8(8, 8);
  ihdr.writeUInt8(0, 9);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(width + 1))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
