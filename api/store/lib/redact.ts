/**
 * Secret redaction for anything that leaves the process or is written to the audit log: values under keys that name
 * secrets (passwords, hashes, HMAC secrets, client secrets, private keys, tokens' secret parts) become `[redacted]`.
 */

const SECRET_KEYS = /^(secret|password|passwordhash|hash|clientsecret|privatekey|apikey|adminkey|token|tokenhash)$/i;

export const REDACTED = '[redacted]';

/** A deep copy of `value` with every secret-named key's value replaced by `[redacted]`. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>))
    out[k] = SECRET_KEYS.test(k) && v !== null && v !== undefined ? REDACTED : redactSecrets(v);
  return out;
}
