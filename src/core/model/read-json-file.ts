import { readFile } from 'node:fs/promises';
import { ModelError } from '../errors/index.js';

/** Reads a JSON object from a model directory: missing → MODEL_FILE_MISSING, unparsable → MODEL_FILE_CORRUPT. */
export async function readJsonFile(file: string, what: string): Promise<Record<string, unknown>> {
  const text = await readText(file, what);
  if (text === undefined) throw new ModelError('MODEL_FILE_MISSING', `${what} not found: ${file}`);
  return parseJsonObject(text, file, what);
}

/** Like readJsonFile, but a file that does not exist gives undefined. */
export async function readOptionalJsonFile(
  file: string,
  what: string,
): Promise<Record<string, unknown> | undefined> {
  const text = await readText(file, what);
  return text === undefined ? undefined : parseJsonObject(text, file, what);
}

/** The file's text, or undefined when it does not exist; other read errors are MODEL_FILE_MISSING. */
async function readText(file: string, what: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new ModelError('MODEL_FILE_MISSING', `${what} cannot be read: ${file} (${code ?? String(err)})`, {
      cause: err,
    });
  }
}

function parseJsonObject(text: string, file: string, what: string): Record<string, unknown> {
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
