/** Durations (`--every`, `--older-than`) are parsed in core so every layer can use them. */
export { parseDuration } from '../core/duration.js';
