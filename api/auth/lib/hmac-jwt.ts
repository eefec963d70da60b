/**
 * HS256/384/512 compact JWTs verified synchronously with node:crypto. WebCrypto runs every HMAC as a job on the libuv
 * thread pool (two thread hand-offs a token); this makes the same checks, in the same order and with the same jose
 * error for each, as jose's `jwtVerify` (6.x: jws_verify.js, jwt/verify.js, jwt_claims_set.js) does for the options
 * the verifier passes: algorithms, issuer, audience, clockTolerance, requiredClaims ['exp'] or [], crit {}. Failures
 * throw jose's own error classes so translate-jose-error.ts answers them exactly as it answers jose.
 * test/api/auth/hmac-jwt.test.ts proves the equality with jose as the oracle.
 */
import { isUtf8 } from 'node:buffer';
import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { errors } from 'jose';

const HASH: Record<string, string | undefined> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };

/** Whether `alg` is one of the HMAC algorithms this module verifies. */
export const isHmacAlgorithm = (alg: unknown): alg is 'HS256' | 'HS384' | 'HS512' =>
  alg === 'HS256' || alg === 'HS384' || alg === 'HS512';

export interface HmacJwtOptions {
  algorithms: readonly string[];
  issuer?: string | readonly string[];
  audience?: string | readonly string[];
  /** Seconds; a finite number >= 0 (the settings schema guarantees it). */
  clockTolerance: number;
  requireExp: boolean;
}

export interface HmacJwtVerified {
  payload: Record<string, unknown>;
  protectedHeader: Record<string, unknown>;
}

/**
 * A part of the token the caller already decoded: `bytes` as Buffer decodes the base64url part, `value` what JSON.parse
 * made of their (lenient) UTF-8 text. Reused only where jose's strict decoding reads the same text (valid UTF-8).
 */
export interface DecodedPart {
  bytes: Uint8Array;
  value: unknown;
}

/**
 * Verifies one token at the given time (epoch ms); returns what jwtVerify resolves to or throws what it rejects with.
 * `decoded` spares parsing the header or payload a second time.
 */
export type HmacJwtVerify = (
  token: string,
  nowMs: number,
  decoded?: { header?: DecodedPart; payload?: DecodedPart },
) => HmacJwtVerified;

/** TextDecoder('utf-8', { fatal: true }), jose's strictDecoder: refuses malformed UTF-8, drops a leading BOM. */
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/**
 * jose's base64url decode for a string already known to hold only base64url characters (the verifier's COMPACT test):
 * such a string fails only when its length leaves one dangling character; otherwise Buffer decodes the same bytes.
 */
function decodeBase64url(part: string, label: string): Buffer {
  if (part.length % 4 === 1) throw new errors.JWSInvalid(`Failed to base64url decode the ${label}`);
  return Buffer.from(part, 'base64url');
}

/** jose's isObject for a JSON.parse result: an object that is neither null nor an array. */
const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What JSON.parse(strictDecoder.decode(bytes)) gives, taken from `decoded` when that read the same text: valid UTF-8
 * decodes the same either way, except for a leading BOM the strict decoder drops (and JSON.parse refuses, so a text
 * that parsed had none).
 */
function strictJson(bytes: Uint8Array, decoded: DecodedPart | undefined): unknown {
  return decoded && isUtf8(decoded.bytes) ? decoded.value : JSON.parse(strictDecoder.decode(bytes));
}

function parseProtectedHeader(part: string, decoded: DecodedPart | undefined): Record<string, unknown> {
  const message = 'JWS Protected Header is invalid';
  let parsed: unknown;
  try {
    parsed = strictJson(decodeBase64url(part, 'protected header'), decoded);
  } catch (cause) {
    throw new errors.JWSInvalid(message, { cause });
  }
  if (!isJsonObject(parsed)) throw new errors.JWSInvalid(message);
  return parsed;
}

/** validateCrit with recognized { b64: true } (crit: {} adds nothing), then validateB64: the payload's b64 flag. */
function critB64(header: Record<string, unknown>): boolean {
  const crit = header.crit;
  if (crit === undefined) return true;
  if (!Array.isArray(crit) || crit.length === 0 || crit.some((p) => typeof p !== 'string' || p.length === 0))
    throw new errors.JWSInvalid(
      '"crit" (Critical) Header Parameter MUST be an array of non-empty strings when present',
    );
  for (const parameter of crit as string[]) {
    if (parameter !== 'b64')
      throw new errors.JOSENotSupported(`Extension Header Parameter "${parameter}" is not recognized`);
    if (!Object.hasOwn(header, parameter) || header[parameter] === undefined)
      throw new errors.JWSInvalid(`Extension Header Parameter "${parameter}" is missing`);
  }
  if (typeof header.b64 !== 'boolean')
    throw new errors.JWSInvalid('The "b64" (base64url-encode payload) Header Parameter must be a boolean');
  return header.b64;
}

function numericDate(claims: Record<string, unknown>, claim: 'iat' | 'nbf' | 'exp'): number | undefined {
  const value = claims[claim];
  if (value === undefined) return undefined;
  if (typeof value !== 'number')
    throw new errors.JWTClaimValidationFailed(`"${claim}" claim must be a number`, claims, claim, 'invalid');
  return value;
}

const unexpected = (claims: Record<string, unknown>, claim: string) =>
  new errors.JWTClaimValidationFailed(`unexpected "${claim}" claim value`, claims, claim, 'check_failed');

/** validateClaimsSet for { issuer, audience, clockTolerance, requiredClaims, currentDate } (no typ, sub, maxTokenAge). */
function validateClaims(
  bytes: Buffer,
  decoded: DecodedPart | undefined,
  options: HmacJwtOptions,
  presence: readonly string[],
  nowMs: number,
) {
  let claims: unknown;
  try {
    claims = strictJson(bytes, decoded);
  } catch (cause) {
    throw new errors.JWTInvalid('JWT Claims Set must be a top-level JSON object', { cause });
  }
  if (!isJsonObject(claims)) throw new errors.JWTInvalid('JWT Claims Set must be a top-level JSON object');
  for (const claim of presence)
    if (!Object.hasOwn(claims, claim))
      throw new errors.JWTClaimValidationFailed(`missing required "${claim}" claim`, claims, claim, 'missing');
  const { issuer, audience, clockTolerance: tolerance } = options;
  if (issuer !== undefined && !(typeof issuer === 'string' ? [issuer] : issuer).includes(claims.iss as string))
    throw unexpected(claims, 'iss');
  if (audience !== undefined) {
    const allowed = typeof audience === 'string' ? [audience] : audience;
    const aud = claims.aud;
    const present =
      typeof aud === 'string'
        ? allowed.includes(aud)
        : Array.isArray(aud) && allowed.some((a) => (aud as unknown[]).includes(a));
    if (!present) throw unexpected(claims, 'aud');
  }
  // jose's epoch(currentDate): a Date clips the time value (NaN beyond ±8.64e15 ms, fractions truncated).
  const now = Math.floor(new Date(nowMs).getTime() / 1000);
  if (!Number.isFinite(now)) throw new TypeError('Invalid currentDate option input');
  numericDate(claims, 'iat');
  const nbf = numericDate(claims, 'nbf');
  if (nbf !== undefined && nbf > now + tolerance)
    throw new errors.JWTClaimValidationFailed('"nbf" claim timestamp check failed', claims, 'nbf', 'check_failed');
  const exp = numericDate(claims, 'exp');
  if (exp !== undefined && exp <= now - tolerance)
    throw new errors.JWTExpired('"exp" claim timestamp check failed', claims, 'exp', 'check_failed');
  return claims;
}

/**
 * The synchronous verification for one HMAC secret, or null when jose must keep the job: a secret WebCrypto would
 * refuse to import (empty), or options jose would refuse (a tolerance that is not a finite number >= 0).
 * @example const verify = createHmacJwtVerifier(bytes, options); verify(token, Date.now()).payload
 */
export function createHmacJwtVerifier(secret: Uint8Array, options: HmacJwtOptions): HmacJwtVerify | null {
  const tolerance = options.clockTolerance;
  if (secret.length === 0 || typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0) return null;
  const key: KeyObject = createSecretKey(secret);
  const allowed = new Set(options.algorithms);
  // jose checks presence in the reverse of [...requiredClaims, 'aud', 'iss']: iss, then aud, then exp.
  const presence = [
    ...(options.issuer !== undefined ? ['iss'] : []),
    ...(options.audience !== undefined ? ['aud'] : []),
    ...(options.requireExp ? ['exp'] : []),
  ];

  return (token, nowMs, decoded) => {
    const firstDot = token.indexOf('.');
    const secondDot = token.indexOf('.', firstDot + 1);
    if (firstDot < 0 || secondDot < 0 || token.indexOf('.', secondDot + 1) >= 0)
      throw new errors.JWSInvalid('Invalid Compact JWS');
    const headerPart = token.slice(0, firstDot);
    const payloadPart = token.slice(firstDot + 1, secondDot);
    const header = parseProtectedHeader(headerPart, decoded?.header);
    const b64 = critB64(header);
    const alg = header.alg;
    if (typeof alg !== 'string' || !alg)
      throw new errors.JWSInvalid('JWS "alg" (Algorithm) Header Parameter missing or invalid');
    if (!allowed.has(alg)) throw new errors.JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed');
    const hash = HASH[alg];
    if (hash === undefined) throw new TypeError(`the HMAC verifier was asked to verify ${alg}`); // callers check first
    const signature = decodeBase64url(token.slice(secondDot + 1), 'signature');
    // The signing input is the token up to its second dot (ASCII); b64: false signs the same bytes in compact form.
    const expected = createHmac(hash, key).update(token.slice(0, secondDot), 'latin1').digest();
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected))
      throw new errors.JWSSignatureVerificationFailed();
    if (!b64) throw new errors.JWTInvalid('JWTs MUST NOT use unencoded payload');
    const payload = validateClaims(decodeBase64url(payloadPart, 'payload'), decoded?.payload, options, presence, nowMs);
    return { payload, protectedHeader: header };
  };
}
