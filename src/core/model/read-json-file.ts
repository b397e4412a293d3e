import { access, readFile } from 'node:fs/promises';
import { ModelError } from '../errors/index.js';

/** Reads a JSON object from a model directory: missing → MODEL_FILE_MISSING, unparsable → MODEL_FILE_CORRUPT. */
export async function readJsonFile(file: string, what: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ModelError('MODEL_FILE_MISSING', `${what} not found: ${file}`);
    throw new ModelError('MODEL_FILE_MISSING', `${what} cannot be read: ${file} (${code ?? String(err)})`, {
      cause: err,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ModelError(
      'MODEL_FILE_CORRUPT',
      `${what} is not valid JSON: ${file} (${(err as Error).message})`,
      { cause: err },
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ModelError('MODEL_FILE_CORRUPT', `${what} must hold a JSON object: ${file}`);
  }
  return value as Record<string, unknown>;
}

/** Like readJsonFile, but a file that does not exist gives undefined. */
export async function readOptionalJsonFile(
  file: string,
  what: string,
): Promise<Record<string, unknown> | undefined> {
  try {
    await access(file);
  } catch {
    return undefined;
  }
  return readJsonFile(file, what);
}
