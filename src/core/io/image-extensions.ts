/**
 * The one list of file extensions treated as images when a folder or prefix is listed (`classify DIR`,
 * `enqueue s3://bucket/prefix/`), lower case without the dot: what sharp's prebuilt libvips decodes.
 * HEIC and JPEG 2000 are left out on purpose: those binaries cannot decode them (sharp.format says so),
 * so listing them would only produce IMAGE_DECODE_FAILED lines.
 */
export const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'gif', 'tif', 'tiff', 'avif'] as const;

/** Does `name` end with one of `extensions` (case-insensitive, with or without their dot)? */
export function hasImageExtension(name: string, extensions: readonly string[] = IMAGE_EXTENSIONS): boolean {
  const dot = name.lastIndexOf('.');
  if (dot < 0) return false;
  const ext = name.slice(dot + 1).toLowerCase();
  return extensions.some((e) => e.replace(/^\./, '').toLowerCase() === ext);
}
