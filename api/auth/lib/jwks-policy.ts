/** What a JWK Set must look like before any of its keys is trusted: public asymmetric keys only, bounded in size. */

export const MAX_JWKS_KEYS = 100;

/** JWK members that only a private or symmetric key carries (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'] as const;

export interface JwksProblem {
  /** Index of the offending key in `keys`, when one key is at fault. */
  index?: number;
  message: string;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Lists why a JWK Set must not be used (empty when it may). A set holding a symmetric (`kty: "oct"`) key or any
 * private key material is refused as a whole: it shows the publisher is misconfigured, so nothing in it is trusted.
 * @example jwksProblems({ keys: [{ kty: 'oct', k: '...' }] }) // [{ index: 0, message: 'symmetric ...' }]
 */
export function jwksProblems(value: unknown): JwksProblem[] {
  if (!isPlainObject(value) || !Array.isArray(value.keys))
    return [{ message: 'not a JWK Set (an object with a "keys" array)' }];
  const keys: unknown[] = value.keys;
  if (keys.length === 0) return [{ message: 'the JWK Set has no keys' }];
  if (keys.length > MAX_JWKS_KEYS) return [{ message: `the JWK Set has more than ${MAX_JWKS_KEYS} keys` }];
  const problems: JwksProblem[] = [];
  keys.forEach((key, index) => {
    if (!isPlainObject(key)) {
      problems.push({ index, message: 'a JWK must be an object' });
      return;
    }
    if (typeof key.kty !== 'string') problems.push({ index, message: 'the JWK has no "kty"' });
    else if (key.kty === 'oct')
      problems.push({ index, message: 'symmetric (kty "oct") keys are refused; publish public keys only' });
    const leaked = PRIVATE_MEMBERS.filter((m) => m in key);
    if (leaked.length > 0 && key.kty !== 'oct')
      problems.push({
        index,
        message: `the JWK holds private key material (${leaked.join(', ')}); publish public keys only`,
      });
  });
  return problems;
}
