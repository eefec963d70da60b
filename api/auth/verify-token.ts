/**
 * Verifies visitor tokens against the configured key only; never throws. Public keys go through jose; a shared secret's
 * HS256/384/512 is checked synchronously with node:crypto exactly as jose would (lib/hmac-jwt.ts). Successes are cached
 * by the token itself (bounded by entries and bytes), and concurrent verifications of one token share one check.
 */
import {
  type CryptoKey,
  createLocalJWKSet,
  importSPKI,
  importX509,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  jwtVerify,
  type KeyObject,
} from 'jose';
import { LRUCache } from 'lru-cache';
import type { ErrorCode } from '../../engine/errors/catalogue';
import type { JwtSettings } from './jwt-settings';
import { jsonMemberProblem } from './lib/duplicate-members';
import { createHmacJwtVerifier, type DecodedPart, type HmacJwtVerify, isHmacAlgorithm } from './lib/hmac-jwt';
import {
  createRemoteKeyResolver,
  type JwksFetchEvent,
  type RemoteKeyResolver,
  type RemoteKeySetStatus,
} from './lib/remote-jwks';
import { TokenRefusal, translateJoseError } from './lib/translate-jose-error';

/** Tokens longer than this many bytes are refused before any parsing. */
export const MAX_TOKEN_BYTES = 8192;
/** A kid-less token is tried against at most this many matching JWKS keys. */
export const MAX_KEY_CANDIDATES = 4;

export interface TokenHeader {
  alg: string;
  kid?: string;
}

export type VerifyResult =
  | { status: 'valid'; claims: Record<string, unknown>; header: TokenHeader }
  | { status: 'invalid' | 'expired'; code: ErrorCode; reason: string };

export interface VerifierStats {
  cacheHits: number;
  cacheMisses: number;
  /** Verifications that waited for the same token's check already in progress instead of checking it again. */
  coalesced: number;
  /** Requests actually sent to the JWKS keys endpoint (0 for every other key kind). */
  jwksFetches: number;
}

/** Whether the configured key can verify tokens now (readiness, the settings answer). */
export interface KeySetStatus {
  kind: JwtSettings['key']['kind'];
  /** False when the key cannot be loaded, or a remote key set was never fetched successfully. */
  ready: boolean;
  detail: string;
  /** The keys endpoint's fetch history (kind jwksUrl only). */
  remote?: RemoteKeySetStatus;
}

export interface TokenVerifier {
  /** Never throws and never rejects; `claims` of a valid result are deeply frozen (they are shared with the cache). */
  verify(token: string): Promise<VerifyResult>;
  /**
   * The answer for a token already verified and still unexpired, without waiting (the warm decision path); undefined
   * when `verify` must run (not cached, expired, malformed: `verify` answers those with their codes).
   */
  cached(token: string): VerifyResult | undefined;
  stats(): VerifierStats;
  /** The key set's state, without any I/O. */
  keySet(): KeySetStatus;
  /** For a JWKS URL: fetches the key set now (outside the failure backoff) and reports; never rejects. */
  prefetchKeySet(): Promise<KeySetStatus>;
  /** Drops the cache. The verifier keeps working (requests in flight may still use it). */
  close(): void;
}

export interface TokenVerifierOptions {
  /** Verified tokens remembered (LRU); 0 disables the cache. Default 10 000. */
  cacheSize?: number;
  /** Bytes the cache may hold (tokens and claims, estimated from the token's length). Default 32 MiB. */
  cacheMaxBytes?: number;
  /** The clock, in epoch milliseconds, for exp/nbf checks. Default Date.now. */
  now?: () => number;
  /** Told how each request to a JWKS keys endpoint ended (metrics). */
  onJwksFetch?: (event: JwksFetchEvent) => void;
  /**
   * How a shared secret verifies HS256/384/512: 'node' (default) synchronously with node:crypto, checking what jose
   * checks (lib/hmac-jwt.ts); 'jose' with jose's jwtVerify over WebCrypto, the reference the first is tested against.
   */
  hmac?: 'node' | 'jose';
}

interface Cached {
  /** The whole token: an entry answers only the token it was made for. */
  token: string;
  claims: Record<string, unknown>;
  header: TokenHeader;
  exp: number | undefined;
}

type KeyResolver = JWTVerifyGetKey | { broken: string } | RemoteKeyResolver;

const DEFAULT_CACHE_BYTES = 32 * 1024 * 1024;

/**
 * The cache key of a token: its last 43 characters (all signature: 43 is the shortest signature, HS256's). A Map
 * hashes the key of every lookup, and a token arriving in a request is a new string whose hash is not cached: hashing
 * 43 characters instead of the whole (often ~1 KB) token, then comparing the entry's token with one memcmp, is what
 * keeps the warm lookup cheap. Tokens sharing a tail share a slot (the later one replaces the earlier); an entry
 * answers only its own token.
 */
const cacheKey = (token: string) => (token.length > 43 ? token.slice(-43) : token);
/** A cached entry's estimated footprint: the token string (2 bytes a character) plus its decoded claims and overhead. */
const cachedBytes = (token: string) => token.length * 3 + 256;
const HMAC_HASH: Record<string, string | undefined> = { HS256: 'SHA-256', HS384: 'SHA-384', HS512: 'SHA-512' };

const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const NESTED_CTY = /^(application\/)?jwt$/i;

function fail(code: ErrorCode, reason: string): VerifyResult {
  return { status: code === 'CF_TOKEN_EXPIRED' ? 'expired' : 'invalid', code, reason };
}

/** A reason never quotes the token: any reason containing the token or a long piece of it is replaced. */
function withoutToken(result: VerifyResult, token: string): VerifyResult {
  if (result.status === 'valid') return result;
  const leaks = token.split('.').some((part) => part.length >= 12 && result.reason.includes(part));
  return leaks || result.reason.includes(token) ? { ...result, reason: 'the token could not be verified' } : result;
}

/** A token part as the checks before jose read it: base64url decoded leniently, its UTF-8 text, its JSON if any. */
interface ReadPart extends DecodedPart {
  text: string;
  json: boolean;
}

function readPart(part: string): ReadPart {
  const bytes = Buffer.from(part, 'base64url');
  const text = bytes.toString('utf8');
  try {
    return { bytes, text, json: true, value: JSON.parse(text) };
  } catch {
    return { bytes, text, json: false, value: undefined };
  }
}

const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** RFC 7515 §5.2: a header or payload whose JSON repeats a member name is refused (JSON.parse would keep the last). */
function memberProblem(header: ReadPart, payload: ReadPart): VerifyResult | null {
  for (const [where, part] of [
    ['header', header],
    ['payload', payload],
  ] as const) {
    const problem = jsonMemberProblem(part.text, part.json);
    if (problem) return fail('CF_TOKEN_MALFORMED', `the token ${where} is refused: ${problem}`);
  }
  return null;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

const errorCode = (error: unknown) => (error as { code?: unknown } | null)?.code;

/**
 * Builds the verifier for one version of the settings (make a new one when the settings change).
 * @example const verifier = createTokenVerifier(settings); const r = await verifier.verify(token); if (r.status === 'valid') r.claims
 */
export function createTokenVerifier(settings: JwtSettings, options: TokenVerifierOptions = {}): TokenVerifier {
  const now = options.now ?? Date.now;
  const counters: VerifierStats = { cacheHits: 0, cacheMisses: 0, coalesced: 0, jwksFetches: 0 };
  const tolerance = settings.clockToleranceSec;
  const cacheSize = Math.max(0, Math.floor(options.cacheSize ?? 10_000));
  // Entries of a remote key set live no longer than the key set itself, so a withdrawn key stops verifying.
  const ttl = settings.key.kind === 'jwksUrl' ? settings.key.cacheMaxAgeMs : 0;
  // Keyed by the token itself: a Map lookup hashes the string once, far cheaper than a SHA-256 per request, and the
  // byte bound keeps 10 000 maximal (8 KiB) tokens from holding more than `cacheMaxBytes`.
  const cache =
    cacheSize > 0
      ? new LRUCache<string, Cached>({
          max: cacheSize,
          maxSize: options.cacheMaxBytes ?? DEFAULT_CACHE_BYTES,
          sizeCalculation: (value) => cachedBytes(value.token),
          ...(ttl ? { ttl } : {}),
        })
      : null;
  // Verifications in progress, by token: concurrent requests carrying the same new token wait for one check.
  const inFlight = new Map<string, Promise<VerifyResult>>();
  const built = buildKeyResolver(settings, () => counters.jwksFetches++, options.onJwksFetch);
  const remote = built !== null && 'prefetch' in built ? built : null;
  const resolver = remote ? remote.getKey : (built as JWTVerifyGetKey | { broken: string } | null);
  const verifyOptions: JWTVerifyOptions = {
    algorithms: [...settings.algorithms],
    issuer: settings.issuer,
    audience: settings.audience,
    clockTolerance: tolerance,
    requiredClaims: settings.requireExp ? ['exp'] : [],
    crit: {},
  };
  const hmacVerify: HmacJwtVerify | null =
    settings.key.kind === 'secret' && options.hmac !== 'jose'
      ? createHmacJwtVerifier(new TextEncoder().encode(settings.key.secret), {
          algorithms: settings.algorithms,
          issuer: settings.issuer,
          audience: settings.audience,
          clockTolerance: tolerance,
          requireExp: settings.requireExp,
        })
      : null;

  async function verifyUncached(token: string): Promise<VerifyResult> {
    if (resolver === null) return fail('CF_TOKEN_NOT_CONFIGURED', 'JWT verification is not configured');
    if ('broken' in resolver) return fail('CF_TOKEN_NOT_CONFIGURED', resolver.broken);
    const firstDot = token.indexOf('.');
    const headerPart = readPart(token.slice(0, firstDot));
    const header = headerPart.value;
    if (!isJsonObject(header)) return fail('CF_TOKEN_MALFORMED', 'the token header is not a base64url JSON object');
    const payloadPart = readPart(token.slice(firstDot + 1, token.indexOf('.', firstDot + 1)));
    const duplicate = memberProblem(headerPart, payloadPart);
    if (duplicate) return duplicate;
    if (typeof header.alg !== 'string' || header.alg === '')
      return fail('CF_TOKEN_MALFORMED', 'the token header has no alg');
    if (!(settings.algorithms as readonly string[]).includes(header.alg))
      return fail('CF_TOKEN_ALG_NOT_ALLOWED', `algorithm ${JSON.stringify(header.alg.slice(0, 32))} is not allowed`);
    if (typeof header.cty === 'string' && NESTED_CTY.test(header.cty))
      return fail('CF_TOKEN_MALFORMED', 'nested JWTs (cty: JWT) are not accepted');
    if (hmacVerify && isHmacAlgorithm(header.alg)) {
      const decoded = { header: headerPart, payload: payloadPart.json ? payloadPart : undefined };
      const { payload, protectedHeader } = hmacVerify(token, now(), decoded);
      return valid(payload, protectedHeader);
    }
    const opts = { ...verifyOptions, currentDate: new Date(now()) };
    let result: Awaited<ReturnType<typeof jwtVerify>>;
    try {
      result = await jwtVerify(token, resolver, opts);
    } catch (error) {
      if (errorCode(error) !== 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') throw error;
      result = await verifyWithCandidates(token, error as AsyncIterable<CryptoKey | KeyObject>, opts);
    }
    return valid(result.payload, result.protectedHeader);
  }

  function valid(payload: Record<string, unknown>, protectedHeader: { alg?: unknown; kid?: unknown }): VerifyResult {
    const claims = deepFreeze(payload);
    const { alg, kid } = protectedHeader;
    const h: TokenHeader = deepFreeze(typeof kid === 'string' ? { alg: alg as string, kid } : { alg: alg as string });
    return { status: 'valid', claims, header: h };
  }

  function keySet(): KeySetStatus {
    const kind = settings.key.kind;
    if (resolver === null) return { kind, ready: true, detail: 'verification is off: every visitor is anonymous' };
    if (!remote && 'broken' in resolver) return { kind, ready: false, detail: resolver.broken };
    if (!remote) return { kind, ready: true, detail: `the ${kind} key is loaded` };
    const r = remote.status();
    if (r.lastSuccessAt !== null)
      return {
        kind,
        ready: true,
        detail: `${r.keys} keys fetched at ${new Date(r.lastSuccessAt).toISOString()}`,
        remote: r,
      };
    return {
      kind,
      ready: false,
      detail: `the key set was never fetched successfully${r.lastFailure ? `: ${r.lastFailure}` : ''}`,
      remote: r,
    };
  }

  function cachedValid(token: string): VerifyResult | undefined {
    const hit = cache?.get(cacheKey(token));
    if (!hit || hit.token !== token || (hit.exp !== undefined && hit.exp <= Math.floor(now() / 1000) - tolerance))
      return undefined;
    counters.cacheHits++;
    return { status: 'valid', claims: hit.claims, header: hit.header };
  }

  async function verify(token: string): Promise<VerifyResult> {
    if (typeof token !== 'string' || token.length === 0) return fail('CF_TOKEN_MISSING', 'no token');
    if (token.length > MAX_TOKEN_BYTES || Buffer.byteLength(token, 'utf8') > MAX_TOKEN_BYTES)
      return fail('CF_TOKEN_TOO_LARGE', `the token is larger than ${MAX_TOKEN_BYTES} bytes`);
    if (!COMPACT.test(token))
      return fail('CF_TOKEN_MALFORMED', 'the token is not a compact JWS (three base64url parts)');
    const key = cacheKey(token);
    const hit = cache?.get(key);
    if (hit && hit.token === token) {
      if (hit.exp !== undefined && hit.exp <= Math.floor(now() / 1000) - tolerance) {
        cache?.delete(key);
        return fail('CF_TOKEN_EXPIRED', 'the token has expired (exp is in the past)');
      }
      counters.cacheHits++;
      return { status: 'valid', claims: hit.claims, header: hit.header };
    }
    const pending = inFlight.get(token);
    if (pending) {
      counters.coalesced++;
      return pending;
    }
    counters.cacheMisses++;
    const check = verifyUncached(token)
      .then((result) => {
        if (result.status === 'valid' && cache) {
          const exp = typeof result.claims.exp === 'number' ? result.claims.exp : undefined;
          cache.set(cacheKey(token), { token, claims: result.claims, header: result.header, exp });
        }
        return result;
      })
      .finally(() => inFlight.delete(token));
    inFlight.set(token, check);
    return check;
  }

  return {
    async verify(token) {
      try {
        return withoutToken(await verify(token), typeof token === 'string' ? token : '');
      } catch (error) {
        const t = translateJoseError(error);
        return withoutToken(fail(t.code, t.reason), typeof token === 'string' ? token : '');
      }
    },
    cached: (token) => (typeof token === 'string' && token.length <= MAX_TOKEN_BYTES ? cachedValid(token) : undefined),
    stats: () => ({ ...counters }),
    keySet,
    async prefetchKeySet() {
      if (remote) await remote.prefetch();
      return keySet();
    },
    close() {
      cache?.clear();
    },
  };
}

/** jose leaves several matching keys (a token without kid) to the caller: try a bounded few of them. */
async function verifyWithCandidates(
  token: string,
  candidates: AsyncIterable<CryptoKey | KeyObject>,
  options: JWTVerifyOptions,
) {
  let tried = 0;
  for await (const key of candidates) {
    if (tried >= MAX_KEY_CANDIDATES) break;
    tried++;
    try {
      return await jwtVerify(token, key, options);
    } catch (error) {
      if (errorCode(error) !== 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') throw error;
    }
  }
  throw new TokenRefusal(
    'CF_TOKEN_SIGNATURE_INVALID',
    `the signature does not verify with any of the ${tried} keys that match a token without kid`,
  );
}

/** The key lookup for the settings: keys only ever come from the settings, never from token headers. */
function buildKeyResolver(
  settings: JwtSettings,
  onFetch: () => void,
  onResult?: (event: JwksFetchEvent) => void,
): KeyResolver | null {
  const key = settings.key;
  try {
    switch (key.kind) {
      case 'none':
        return null;
      case 'secret': {
        // Imported once per algorithm as a CryptoKey: given raw bytes, jose would import the key on every verification.
        const bytes = new TextEncoder().encode(key.secret);
        const imported = new Map<string, Promise<CryptoKey>>();
        return async (header) => {
          const alg = String(header.alg);
          let k = imported.get(alg);
          if (!k) {
            const hash = HMAC_HASH[alg];
            if (!hash) throw new TokenRefusal('CF_TOKEN_KEY_NOT_FOUND', `a shared secret cannot verify ${alg}`);
            k = crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash }, false, ['verify']);
            imported.set(alg, k);
          }
          return k;
        };
      }
      case 'spki':
      case 'x509': {
        const imported = new Map<string, Promise<CryptoKey>>();
        return async (header) => {
          const alg = String(header.alg);
          let k = imported.get(alg);
          if (!k) {
            k = (key.kind === 'spki' ? importSPKI(key.pem, alg) : importX509(key.pem, alg)).catch((error: unknown) => {
              const name = (error as { name?: unknown } | null)?.name;
              throw new TokenRefusal(
                'CF_TOKEN_KEY_NOT_FOUND',
                `the configured ${key.kind === 'spki' ? 'public key' : 'certificate'} cannot verify ${alg} (${String(name)})`,
              );
            });
            imported.set(alg, k);
          }
          return k;
        };
      }
      case 'jwks':
        return createLocalJWKSet({ keys: key.jwks.keys as never[] }) as unknown as JWTVerifyGetKey;
      case 'jwksUrl':
        return createRemoteKeyResolver({ ...key, onFetch, onResult });
    }
  } catch (error) {
    return { broken: `the configured ${key.kind} key cannot be loaded: ${translateJoseError(error).reason}` };
  }
}
