import { ModelError } from '../errors/index.js';

/** Small checked accessors for values read from a model's JSON files; errors name the file and the key. */
export function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

export function positiveInt(value: unknown, file: string, key: string): number {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  throw new ModelError(
    'MODEL_CONFIG_INVALID',
    `${key} in ${file} must be a positive integer but is ${JSON.stringify(value)}`,
  );
}

export function finiteNumber(value: unknown, file: string, key: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  throw new ModelError(
    'MODEL_CONFIG_INVALID',
    `${key} in ${file} must be a finite number but is ${JSON.stringify(value)}`,
  );
}

export function triple(value: unknown, file: string, key: string): [number, number, number] {
  if (
    Array.isArray(value) &&
    value.length === 3 &&
    value.every((v) => typeof v === 'number' && Number.isFinite(v))
  ) {
    return [value[0], value[1], value[2]];
  }
  throw new ModelError(
    'MODEL_CONFIG_INVALID',
    `${key} in ${file} must be an array of 3 numbers but is ${JSON.stringify(value)}`,
  );
}
