/** The one place where jose's errors (and key-type TypeErrors) become Claimflow token codes. */
import type { ErrorCode } from '../../../engine';

export interface TokenFailure {
  code: ErrorCode;
  reason: string;
}

export function translateJoseError(error: unknown): TokenFailure {
  const e = error as { code?: string; claim?: string; message?: string; name?: string };
  const message = typeof e?.message === 'string' ? e.message : 'unknown error';
  switch (e?.code) {
    case 'ERR_JWT_EXPIRED':
      return { code: 'CF_TOKEN_EXPIRED', reason: 'the token has expired (exp is in the past)' };
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (e.claim === 'nbf')
        return { code: 'CF_TOKEN_NOT_YET_VALID', reason: 'the token is not valid yet (nbf is in the future)' };
      if (e.claim === 'iss') return { code: 'CF_TOKEN_ISSUER_INVALID', reason: `issuer check failed: ${message}` };
      if (e.claim === 'aud') return { code: 'CF_TOKEN_AUDIENCE_INVALID', reason: `audience check failed: ${message}` };
      return { code: 'CF_TOKEN_CLAIM_INVALID', reason: `claim ${e.claim ?? '?'}: ${message}` };
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
      if (message.includes('crit')) return { code: 'CF_TOKEN_CRIT_UNSUPPORTED', reason: `bad crit header: ${message}` };
      return { code: 'CF_TOKEN_MALFORMED', reason: `malformed token: ${message}` };
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return { code: 'CF_TOKEN_KEY_NOT_FOUND', reason: 'no configured key matches the token (kid/alg)' };
    case 'ERR_JWKS_TIMEOUT':
      return { code: 'CF_TOKEN_JWKS_UNAVAILABLE', reason: 'the JWKS endpoint timed out' };
    case 'ERR_JWKS_INVALID':
      return { code: 'CF_TOKEN_JWKS_UNAVAILABLE', reason: 'the JWKS endpoint returned an invalid key set' };
    case 'ERR_JOSE_GENERIC':
      return { code: 'CF_TOKEN_JWKS_UNAVAILABLE', reason: `the JWKS endpoint failed: ${message}` };
    default:
      if (e?.name === 'TypeError' || error instanceof TypeError) {
        if (message.includes('fetch'))
          return { code: 'CF_TOKEN_JWKS_UNAVAILABLE', reason: 'the JWKS endpoint is unreachable' };
        return { code: 'CF_TOKEN_KEY_NOT_FOUND', reason: 'the configured key cannot verify this token' };
      }
      if (e?.name === 'SyntaxError')
        return { code: 'CF_TOKEN_JWKS_UNAVAILABLE', reason: 'the JWKS endpoint did not return JSON' };
      return { code: 'CF_TOKEN_SIGNATURE_INVALID', reason: 'the token could not be verified' };
  }
}
