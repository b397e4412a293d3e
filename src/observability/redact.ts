/**
 * Scrubbing of secrets from anything about to be logged: credentials in URLs, values of secret-looking
 * keys, and the literal values of the secrets this process was given through its environment.
 */

export const CENSOR = '***';

/** Object keys whose values are always blanked (case-insensitive, matched on the whole key). */
const SECRET_KEY =
  /^(password|passwd|pass|secret|secretaccesskey|aws_secret_access_key|sessiontoken|aws_session_token|accesskeyid|aws_access_key_id|authorization|proxy-authorization|cookie|set-cookie|credentials|token|apikey|api_key|x-api-key|x-amz-security-token)$/i;

// scheme://user:password@host → scheme://***:***@host (also user-only and password-only forms).
// Quotes excluded so that scrubbing a whole JSON line never spans two fields.
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@:"]*(?::[^\s/@"]*)?@/gi;
// AWS access key ids have a fixed shape.
const awsKeyIdShape = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g;
// HTTP authorization values that end up in messages.
const AUTH_HEADER = /\b(Basic|Bearer)\s+[A-Za-z0-9+/=._~-]{8,}/g;

/** Environment variables whose values are secrets (and whose URL passwords are). */
const SECRET_ENV = [
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'ZEROSHOT_DASHBOARD_PASSWORD',
  'REDIS_PASSWORD',
  'MINIO_ROOT_PASSWORD',
];
const URL_ENV = ['REDIS_URL'];

/** The literal secrets found in `env` (at least 4 characters, longest first). */
export function secretsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const found = new Set<string>();
  for (const name of SECRET_ENV) {
    const v = env[name];
    if (v && v.length >= 4) found.add(v);
  }
  for (const name of URL_ENV) {
    const v = env[name];
    if (!v) continue;
    try {
      const u = new URL(v);
      for (const part of [u.password, decodeURIComponent(u.password)]) if (part.length >= 4) found.add(part);
    } catch {
      // not a URL: nothing to extract
    }
  }
  // Also as they appear inside a JSON string, for scrubbing serialized lines.
  for (const v of [...found]) found.add(JSON.stringify(v).slice(1, -1));
  return [...found].sort((a, b) => b.length - a.length);
}

export function scrubString(s: string, secrets: readonly string[] = []): string {
  let out = s
    .replace(URL_CREDENTIALS, `$1${CENSOR}@`)
    .replace(awsKeyIdShape, CENSOR)
    .replace(AUTH_HEADER, `$1 ${CENSOR}`);
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(CENSOR);
  return out;
}

/** Returns a copy of `value` with secrets blanked; leaves non-plain objects' prototypes behind. */
export function scrubSecrets(value: unknown, secrets: readonly string[] = [], depth = 0): unknown {
  if (typeof value === 'string') return scrubString(value, secrets);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => scrubSecrets(v, secrets, depth + 1));
  if (value instanceof Error) {
    return scrubSecrets({ type: value.name, message: value.message, stack: value.stack }, secrets, depth + 1);
  }
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] =
      SECRET_KEY.test(k) && v !== undefined && v !== null && v !== ''
        ? CENSOR
        : scrubSecrets(v, secrets, depth + 1);
  }
  return out;
}

/** Replaces the password (and user) of a URL such as `rediss://user:pw@host` before it is logged. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = CENSOR;
    if (u.username) u.username = CENSOR;
    return u.toString();
  } catch {
    return scrubString(url);
  }
}
