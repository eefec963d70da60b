/** The one place where jose errors, key-type TypeErrors, WebCrypto DOMExceptions and our refusals become codes. */
import type { ErrorCode } from '../../../engine';

export interface TokenFailure {
  code: ErrorCode;
  reason: string;
}

/** A refusal raised by the verifier itself (key loading, the JWKS fetch guard) that already knows its code. */
export class TokenRefusal extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, reason: string) {
    super(reason);
    this.name = 'TokenRefusal';
    this.code = code;
  }
}

/** WebCrypto errors raised while importing or using a configured key (never caused by token bytes alone). */
const KEY_DOM_ERRORS = new Set(['DataError', 'InvalidAccessError', 'NotSupportedError', 'InvalidCharacterError']);

/** jose messages are fixed strings except where they quote a header parameter name: keep reasons short. */
const clip = (s: string) => (s.length > 120 ? `${s.slice(0, 120)}…` : s);

/**
 * @example translateJoseError(new errors.JWTExpired('...', {})) // { code: 'CF_TOKEN_EXPIRED', reason: '...' }
 */
export function translateJoseError(error: unknown): TokenFailure {
  if (error instanceof TokenRefusal) return { code: error.code, reason: error.message };
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    code?: unknown;
    claim?: unknown;
    message?: unknown;
    name?: unknown;
    reason?: unknown;
  };
  const message = typeof e.message === 'string' ? clip(e.message) : 'unknown error';
  switch (e.code) {
    case 'ERR_JWT_EXPIRED':
      if (e.claim === 'iat') return { code: 'CF_TOKEN_EXPIRED', reason: 'the token is too old (iat)' };
      return { code: 'CF_TOKEN_EXPIRED', reason: 'the token has expired (exp is in the past)' };
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (e.claim === 'nbf' && e.reason === 'check_failed')
        return { code: 'CF_TOKEN_NOT_YET_VALID', reason: 'the token is not valid yet (nbf is in the future)' };
      if (e.claim === 'iss') return { code: 'CF_TOKEN_ISSUER_INVALID', reason: `issuer check failed: ${message}` };
      if (e.claim === 'aud') return { code: 'CF_TOKEN_AUDIENCE_INVALID', reason: `audience check failed: ${message}` };
      return {
        code: 'CF_TOKEN_CLAIM_INVALID',
        reason: `claim ${typeof e.claim === 'string' ? clip(e.claim) : '?'}: ${message}`,
      };
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return { code: 'CF_TOKEN_SIGNATURE_INVALID', reason: 'the signature does not verify' };
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return { code: 'CF_TOKEN_ALG_NOT_ALLOWED', reason: 'the token algorithm is not allowed' };
    case 'ERR_JOSE_NOT_SUPPORTED':
      if (message.includes('Extension Header Parameter'))
        return { code: 'CF_TOKEN_CRIT_UNSUPPORTED', reason: 'the token names a crit extension that is not supported' };
      return { code: 'CF_TOKEN_ALG_NOT_ALLOWED', reason: `unsupported: ${message}` };
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      if (message.includes('"crit"') || message.includes('Extension Header Parameter'))
        return { code: 'CF_TOKEN_CRIT_UNSUPPORTED', reason: `bad crit header: ${message}` };
      return { code: 'CF_TOKEN_MALFORMED', reason: `malformed token: ${message}` };
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return { code: 'CF_TOKEN_KEY_NOT_FOUND', reason: 'no configured key matches the token (kid/alg)' };
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return { code: 'CF_TOKEN_KEY_NOT_FOUND', reason: 'several keys match and none verifies; the token needs a kid' };
    case 'ERR_JWKS_TIMEOUT':
      return { code: 'CF_TOKEN_JWKS_UNAVAILABLE', reason: 'the JWKS endpoint timed out' };
    case 'ERR_JWKS_INVALID':
      return { code: 'CF_TOKEN_JWKS_UNAVAILABLE', reason: `the key set is invalid: ${message}` };
    case 'ERR_JOSE_GENERIC':
      return { code: 'CF_TOKEN_JWKS_UNAVAILABLE', reason: `the JWKS endpoint failed: ${message}` };
  }
  if (e.name === 'TimeoutError' || e.name === 'AbortError')
    return { code: 'CF_TOKEN_JWKS_UNAVAILABLE', reason: 'the JWKS endpoint timed out' };
  if (typeof e.name === 'string' && KEY_DOM_ERRORS.has(e.name))
    return { code: 'CF_TOKEN_KEY_NOT_FOUND', reason: `the configured key cannot be used: ${message}` };
  if (error instanceof TypeError || e.name === 'TypeError') {
    if (message.includes('fetch'))
      return { code: 'CF_TOKEN_JWKS_UNAVAILABLE', reason: 'the JWKS endpoint is unreachable' };
    // jose raises TypeError for key/algorithm mismatches and keys that are too weak (RSA under 2048 bits).
    return { code: 'CF_TOKEN_KEY_NOT_FOUND', reason: `the configured key cannot verify this token: ${message}` };
  }
  if (e.name === 'SyntaxError') return { code: 'CF_TOKEN_MALFORMED', reason: 'the token is not valid JSON' };
  return { code: 'CF_TOKEN_SIGNATURE_INVALID', reason: 'the token could not be verified' };
}
