/** translateJoseError: every jose error (and the odd throwables) maps to one CF_TOKEN_* code. */
import { errors } from 'jose';
import { describe, expect, it } from 'vitest';
import { TokenRefusal, translateJoseError } from '../../../api/auth';

const claimsSet = { sub: 'secret-subject' };

describe('translateJoseError', () => {
  it.each([
    [new errors.JWTExpired('"exp" claim timestamp check failed', claimsSet, 'exp', 'check_failed'), 'CF_TOKEN_EXPIRED'],
    [new errors.JWTClaimValidationFailed('x', claimsSet, 'nbf', 'check_failed'), 'CF_TOKEN_NOT_YET_VALID'],
    [
      new errors.JWTClaimValidationFailed('"nbf" claim must be a number', claimsSet, 'nbf', 'invalid'),
      'CF_TOKEN_CLAIM_INVALID',
    ],
    [
      new errors.JWTClaimValidationFailed('unexpected "iss" claim value', claimsSet, 'iss', 'check_failed'),
      'CF_TOKEN_ISSUER_INVALID',
    ],
    [
      new errors.JWTClaimValidationFailed('missing required "iss" claim', claimsSet, 'iss', 'missing'),
      'CF_TOKEN_ISSUER_INVALID',
    ],
    [
      new errors.JWTClaimValidationFailed('unexpected "aud" claim value', claimsSet, 'aud', 'check_failed'),
      'CF_TOKEN_AUDIENCE_INVALID',
    ],
    [
      new errors.JWTClaimValidationFailed('missing required "exp" claim', claimsSet, 'exp', 'missing'),
      'CF_TOKEN_CLAIM_INVALID',
    ],
    [new errors.JWSSignatureVerificationFailed(), 'CF_TOKEN_SIGNATURE_INVALID'],
    [new errors.JOSEAlgNotAllowed('not allowed'), 'CF_TOKEN_ALG_NOT_ALLOWED'],
    [new errors.JOSENotSupported('Extension Header Parameter "x" is not recognized'), 'CF_TOKEN_CRIT_UNSUPPORTED'],
    [new errors.JOSENotSupported('Unsupported "alg" value'), 'CF_TOKEN_ALG_NOT_ALLOWED'],
    [new errors.JWSInvalid('Invalid Compact JWS'), 'CF_TOKEN_MALFORMED'],
    [
      new errors.JWSInvalid('"crit" (Critical) Header Parameter MUST be integrity protected'),
      'CF_TOKEN_CRIT_UNSUPPORTED',
    ],
    [new errors.JWTInvalid('JWT Claims Set must be a top-level JSON object'), 'CF_TOKEN_MALFORMED'],
    [new errors.JWKSNoMatchingKey(), 'CF_TOKEN_KEY_NOT_FOUND'],
    [new errors.JWKSMultipleMatchingKeys(), 'CF_TOKEN_KEY_NOT_FOUND'],
    [new errors.JWKSTimeout(), 'CF_TOKEN_JWKS_UNAVAILABLE'],
    [new errors.JWKSInvalid('JSON Web Key Set members must be public keys'), 'CF_TOKEN_JWKS_UNAVAILABLE'],
    [new errors.JOSEError('Expected 200 OK from the JSON Web Key Set HTTP response'), 'CF_TOKEN_JWKS_UNAVAILABLE'],
    [new TypeError('RS256 requires key modulusLength to be 2048 bits or larger'), 'CF_TOKEN_KEY_NOT_FOUND'],
    [new TypeError('fetch failed'), 'CF_TOKEN_JWKS_UNAVAILABLE'],
    [new DOMException('Invalid key type', 'DataError'), 'CF_TOKEN_KEY_NOT_FOUND'],
    [new DOMException('The operation was aborted due to timeout', 'TimeoutError'), 'CF_TOKEN_JWKS_UNAVAILABLE'],
    [new TokenRefusal('CF_TOKEN_JWKS_UNAVAILABLE', 'the JWKS endpoint answered HTTP 500'), 'CF_TOKEN_JWKS_UNAVAILABLE'],
    [new SyntaxError('Unexpected token'), 'CF_TOKEN_MALFORMED'],
    [new Error('anything else'), 'CF_TOKEN_SIGNATURE_INVALID'],
    ['a string', 'CF_TOKEN_SIGNATURE_INVALID'],
    [null, 'CF_TOKEN_SIGNATURE_INVALID'],
    [undefined, 'CF_TOKEN_SIGNATURE_INVALID'],
    [{ code: 42 }, 'CF_TOKEN_SIGNATURE_INVALID'],
  ] as const)('%o -> %s', (error, code) => {
    const t = translateJoseError(error);
    expect(t.code).toBe(code);
    expect(t.reason.length).toBeGreaterThan(0);
    expect(t.reason).not.toContain('secret-subject'); // claims carried by jose errors are never quoted
  });

  it('clips long jose messages', () => {
    const t = translateJoseError(new errors.JWSInvalid(`Extension Header Parameter "${'x'.repeat(5000)}" is missing`));
    expect(t.reason.length).toBeLessThan(200);
  });
});
