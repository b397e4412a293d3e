/**
 * A generated corpus of hostile and awkward image files, each with the outcome zeroshot must produce:
 * `ok` (decoded and scored) or a specific error code. Built from one real photo plus hand-made bytes, so
 * nothing binary is committed.
 */
import { readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import type { ErrorCode } from '../../src/core/errors/index.js';
import { PHOTO, photoPath } from './fixtures.js';

export interface HostileFile {
  name: string;
  data: Buffer;
  /** 'ok' when the file is awkward but valid; otherwise the error code its result line must carry. */
  expect: 'ok' | ErrorCode;
  why: string;
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

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A syntactically valid PNG of the given size whose pixel data is all zeros (greyscale, 8-bit). */
export function pngOfZeros(width: number, height: number, rows = height): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.writeUInt8(8, 8); // bit depth
  ihdr.writeUInt8(0, 9); // greyscale
  const raw = Buffer.alloc((width + 1) * rows); // filter byte + pixels per row, all zero
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Only the PNG signature and header of a gigantic image: a few dozen bytes that claim billions of pixels. */
export function pngHeaderOnly(width: number, height: number): Buffer {
  return pngOfZeros(width, height, 1);
}

function jpegWithExifSegment(jpeg: Buffer, payloadBytes: number): Buffer {
  // APP1 segments are capped at 65535 bytes, so a "huge EXIF" is many maximal APP1 segments.
  const segments: Buffer[] = [];
  let left = payloadBytes;
  while (left > 0) {
    const n = Math.min(left, 65_000);
    const seg = Buffer.alloc(n + 4);
    seg.writeUInt16BE(0xffe1, 0);
    seg.writeUInt16BE(n + 2, 2);
    Buffer.from('Exif\0\0', 'latin1').copy(seg, 4);
    segments.push(seg);
    left -= n;
  }
  return Buffer.concat([jpeg.subarray(0, 2), ...segments, jpeg.subarray(2)]);
}

export async function buildHostileCorpus(): Promise<HostileFile[]> {
  const photo = readFileSync(photoPath(PHOTO));
  const small = sharp(photo).resize(96, 96);
  const rgba = await sharp(photo).resize(64, 64).ensureAlpha(0.3).png().toBuffer();
  const png = await small.clone().png().toBuffer();
  const webp = await small.clone().webp().toBuffer();
  const gif = await small.clone().gif().toBuffer();
  const tiff = await small.clone().tiff().toBuffer();
  const avif = await small.clone().avif({ effort: 0 }).toBuffer();
  const cmyk = await small.clone().toColourspace('cmyk').jpeg().toBuffer();
  const png16 = await small.clone().toColourspace('rgb16').png().toBuffer();
  const grey = await small.clone().greyscale().jpeg().toBuffer();
  const frame = (r: number) =>
    sharp({ create: { width: 32, height: 32, channels: 3, background: { r, g: 0, b: 0 } } })
      .png()
      .toBuffer();
  const animated = await sharp([await frame(255), await frame(0), await frame(128)], {
    join: { animated: true },
  })
    .gif()
    .toBuffer();
  const rotated = await small.clone().jpeg().withMetadata({ orientation: 6 }).toBuffer();
  const tiny = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#888' } })
    .png()
    .toBuffer();
  const panorama = await sharp({ create: { width: 4000, height: 8, channels: 3, background: '#345' } })
    .jpeg()
    .toBuffer();

  const files: HostileFile[] = [
    // valid but awkward: must be scored
    { name: 'ok-photo.jpg', data: photo, expect: 'ok', why: 'plain JPEG photo' },
    { name: 'ok-alpha.png', data: rgba, expect: 'ok', why: 'PNG with alpha (flattened)' },
    { name: 'ok.webp', data: webp, expect: 'ok', why: 'WebP' },
    { name: 'ok.gif', data: gif, expect: 'ok', why: 'GIF' },
    { name: 'ok-animated.gif', data: animated, expect: 'ok', why: 'animated GIF: first frame' },
    { name: 'ok.tiff', data: tiff, expect: 'ok', why: 'TIFF' },
    { name: 'ok.avif', data: avif, expect: 'ok', why: 'AVIF' },
    { name: 'ok-cmyk.jpg', data: cmyk, expect: 'ok', why: 'CMYK JPEG converted to sRGB' },
    { name: 'ok-16bit.png', data: png16, expect: 'ok', why: '16-bit PNG' },
    { name: 'ok-grey.jpg', data: grey, expect: 'ok', why: 'greyscale JPEG' },
    { name: 'ok-exif-rotated.jpg', data: rotated, expect: 'ok', why: 'EXIF orientation 6' },
    { name: 'ok-1x1.png', data: tiny, expect: 'ok', why: 'one pixel' },
    { name: 'ok-panorama.jpg', data: panorama, expect: 'ok', why: '500:1 aspect ratio' },
    { name: 'ok-png-named.jpg', data: png, expect: 'ok', why: 'wrong extension: PNG bytes named .jpg' },
    { name: 'ok-jpeg-named.png', data: photo, expect: 'ok', why: 'wrong extension: JPEG bytes named .png' },
    { name: 'ok-no-extension', data: photo, expect: 'ok', why: 'no extension at all' },
    {
      name: 'ok-huge-exif.jpg',
      data: jpegWithExifSegment(photo, 1_000_000),
      expect: 'ok',
      why: '1 MB of EXIF',
    },
    // hostile: each must give its specific error, and nothing else may suffer
    { name: 'empty.jpg', data: Buffer.alloc(0), expect: 'IMAGE_EMPTY', why: 'zero bytes' },
    {
      name: 'truncated-half.jpg',
      data: photo.subarray(0, photo.length >> 1),
      expect: 'IMAGE_CORRUPT',
      why: 'JPEG cut in half',
    },
    {
      name: 'truncated-header.jpg',
      data: photo.subarray(0, 200),
      expect: 'IMAGE_CORRUPT',
      why: 'JPEG cut after 200 bytes',
    },
    {
      name: 'truncated.png',
      data: png.subarray(0, png.length - 40),
      expect: 'IMAGE_CORRUPT',
      why: 'PNG missing its end',
    },
    {
      name: 'garbage-after-magic.jpg',
      data: Buffer.concat([photo.subarray(0, 4), Buffer.alloc(4096, 0xa5)]),
      expect: 'IMAGE_CORRUPT',
      why: 'JPEG magic then noise',
    },
    {
      name: 'text.jpg',
      data: Buffer.from('this is not an image\n'.repeat(50)),
      expect: 'IMAGE_UNSUPPORTED_FORMAT',
      why: 'text named .jpg',
    },
    {
      name: 'page.jpg',
      data: Buffer.from('<!doctype html><html><body><img src="x.jpg"></body></html>'),
      expect: 'IMAGE_UNSUPPORTED_FORMAT',
      why: 'HTML error page saved as an image',
    },
    {
      name: 'external.svg',
      data: Buffer.from(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="64" height="64">' +
          '<image xlink:href="http://169.254.169.254/latest/meta-data/" width="64" height="64"/>' +
          '<image xlink:href="file:///etc/passwd" width="64" height="64"/></svg>',
      ),
      expect: 'IMAGE_UNSUPPORTED_FORMAT',
      why: 'SVG with external references (SSRF / local file read)',
    },
    {
      name: 'document.pdf',
      data: Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n'),
      expect: 'IMAGE_UNSUPPORTED_FORMAT',
      why: 'PDF',
    },
    {
      name: 'random.bin',
      data: Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919) % 251)),
      expect: 'IMAGE_UNSUPPORTED_FORMAT',
      why: 'random bytes',
    },
    {
      name: 'zip-named.png',
      data: Buffer.concat([Buffer.from('PK\u0003\u0004', 'latin1'), Buffer.alloc(1000)]),
      expect: 'IMAGE_UNSUPPORTED_FORMAT',
      why: 'ZIP archive named .png',
    },
    {
      name: 'gigantic-header.png',
      data: pngHeaderOnly(20_000, 20_000),
      expect: 'IMAGE_TOO_MANY_PIXELS',
      why: '20000×20000 declared in a tiny file',
    },
    {
      name: 'gigantic-wide.png',
      data: pngHeaderOnly(1_000_000, 1_000),
      expect: 'IMAGE_TOO_MANY_PIXELS',
      why: '1,000,000 × 1,000 declared',
    },
    {
      name: 'bomb.png',
      data: pngOfZeros(12_000, 12_000),
      expect: 'IMAGE_TOO_MANY_PIXELS',
      why: 'decompression bomb: 144 MP of zeros in ~140 KB',
    },
    {
      name: 'zero-dimension.png',
      data: pngHeaderOnly(0, 0),
      expect: 'IMAGE_CORRUPT',
      why: 'PNG header declaring 0×0',
    },
  ];
  return files;
}

/** Error codes the corpus may legitimately report for a file whose exact failure mode depends on libvips. */
export const EQUIVALENT_CODES: Partial<Record<ErrorCode, ErrorCode[]>> = {
  IMAGE_CORRUPT: ['IMAGE_CORRUPT', 'IMAGE_UNSUPPORTED_FORMAT'],
};
