// What the CLI prints goes through here, so data from images, labels, storage listings or job failure
// reasons cannot drive the terminal (colour, cursor moves, window titles, hidden or reordered text).

/** C0 and C1 controls, DEL, and the Unicode bidirectional overrides/isolates ("Trojan Source"). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** What JSON.stringify leaves raw inside strings (it escapes C0 itself; newlines outside strings are layout). */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\x1b' };

function escapeChar(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const code = c.charCodeAt(0);
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every control character written as a visible escape (`ESC[31m` → `\x1b[31m`).
 * `keepNewlines`: leave `\n` alone (whole blocks of our own output); a single value (a label, a URI, a
 * reason) must not, or it could forge lines of its own.
 */
export function safeText(text: string, opts: { keepNewlines?: boolean } = {}): string {
  return text.replace(UNSAFE, (c) => (opts.keepNewlines && c === '\n' ? c : escapeChar(c)));
}

/** JSON whose text is terminal-safe too: JSON.stringify escapes C0 controls itself, this adds C1/DEL/bidi. */
export function safeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(
    UNSAFE_IN_JSON,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Writes our own formatted text to stdout; embedded data is escaped, newlines are kept. */
export function print(text: string): void {
  process.stdout.write(safeText(text, { keepNewlines: true }));
}

/** Same on stderr (messages, errors, summaries). */
export function printError(text: string): void {
  process.stderr.write(safeText(text, { keepNewlines: true }));
}

/** "1 chunk", "3 chunks": a count with its noun in the right number (`plural` when not noun + s). */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
