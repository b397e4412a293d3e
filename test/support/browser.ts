import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import sharp from 'sharp';
import { debianTool, type Tool } from './debian-package.js';

/** Debian's chromium (installed by apt-get when missing; see debian-package.ts), driven by puppeteer-core. */
export function chromiumTool(): Tool {
  return debianTool('chromium', 'chromium');
}

export async function launchChromium(tool: Tool): Promise<Browser> {
  return puppeteer.launch({
    executablePath: tool.path as string,
    headless: true,
    // --no-sandbox: test machines run as root in containers, where chromium's sandbox cannot start.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--hide-scrollbars'],
  });
}

let artifacts: string | undefined;

/**
 * Where the browser tests keep their screenshots: `ZEROSHOT_ARTIFACTS_DIR`, else a new temp directory.
 * Printed once so a failed run can be inspected.
 */
export function artifactsDir(): string {
  if (!artifacts) {
    const fromEnv = process.env.ZEROSHOT_ARTIFACTS_DIR;
    if (fromEnv) mkdirSync(fromEnv, { recursive: true });
    artifacts = fromEnv ?? mkdtempSync(path.join(os.tmpdir(), 'zeroshot-screenshots-'));
    process.stderr.write(`[zeroshot] browser screenshots: ${artifacts}\n`);
  }
  return artifacts;
}

/** Saves a PNG screenshot under artifactsDir(); returns its path. */
export async function screenshot(
  page: Page,
  name: string,
  opts: { fullPage?: boolean } = {},
): Promise<string> {
  const file = path.join(artifactsDir(), `${name}.png`);
  await page.screenshot({ path: file as `${string}.png`, fullPage: opts.fullPage ?? true });
  return file;
}

/** Distinct RGB colours of an image (a blank or failed render has a handful). */
export async function distinctColours(file: string): Promise<number> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const seen = new Set<number>();
  for (let i = 0; i < data.length; i += info.channels) {
    seen.add(((data[i] as number) << 16) | ((data[i + 1] as number) << 8) | (data[i + 2] as number));
  }
  return seen.size;
}

/**
 * With `ZEROSHOT_README_IMAGES=<dir>` (e.g. docs/img), also writes a small palette PNG of a screenshot
 * there: how the README's pictures are made from a real test run.
 */
export async function saveReadmeImage(screenshotFile: string, name: string, width: number): Promise<void> {
  const dir = process.env.ZEROSHOT_README_IMAGES;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await sharp(screenshotFile)
    .resize({ width, withoutEnlargement: true })
    .png({ palette: true, quality: 80, compressionLevel: 9, effort: 10 })
    .toFile(path.join(dir, `${name}.png`));
}
