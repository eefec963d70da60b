/**
 * Verifies visitor tokens with jose against the configured key, algorithms, issuer, audience and clock tolerance.
 * Never throws for any input: every failure is a coded result. Tokens over 8 KiB are refused before parsing;
 * keys come only from settings (jku, x5u, jwk and x5c headers are never followed). Successes are cached in a
 * bounded LRU keyed by the SHA-256 of the token, and `exp` is re-checked on every hit.
 */
import { createHash } from 'node:crypto';
import {
  type CryptoKey,
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  importSPKI,
  importX509,
  type JWTVerifyGetKey,
  jwtVerify,
  type KeyObject,
} from 'jose';
import { LRUCache } from 'lru-cache';
import type { ErrorCode } from '../../engine';
import type { JwtSettings } from './jwt-settings';
import { translateJoseError } from './lib/translate-jose-error';

export const MAX_TOKEN_BYTES = 8192;

export type VerifyResult =
  | { status: 'valid'; claims: Record<string, unknown>; header: { alg: string; kid?: string } }
  | { status: 'invalid' | 'expired'; code: ErrorCode; reason: string };

export interface TokenVerifier {
  verify(token: string): Promise<VerifyResult>;
  stats(): { cacheHits: number; cacheMisses: number; jwksFetches: number };
  close(): void;
}

interface Cached {
  claims: Record<string, unknown>;
  header: { alg: string; kid?: string };
  exp: number | undefined;
}

const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

function fail(code: ErrorCode, reason: string): VerifyResult {
  return { status: code === 'CF_TOKEN_EXPIRED' ? 'expired' : 'invalid', code, reason };
}

function decodeHeader(token: string): Record<string, unknown> | null {
  try {
    const json = Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8');
    const parsed: unknown = JSON.parse(json);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * @example const verifier = createTokenVerifier(settings); const r = await verifier.verify(token); if (r.status === 'valid') r.claims
 */
export function createTokenVerifier(
  settings: JwtSettings,
  options: { cacheSize?: number; now?: () => number } = {},
): TokenVerifier {
  const now = options.now ?? Date.now;
  const cache = new LRUCache<string, Cached>({ max: options.cacheSize ?? 10_000 });
  const counters = { cacheHits: 0, cacheMisses: 0, jwksFetches: 0 };
  const tolerance = settings.clockToleranceSec;
  const keyResolver = buildKeyResolver(settings, counters);

  async function verifyUncached(token: string): Promise<VerifyResult> {
    if (!keyResolver) return fail('CF_TOKEN_NOT_CONFIGURED', 'JWT verification is not configured');
    const header = decodeHeader(token);
    if (!header || typeof header.alg !== 'string')
      return fail('CF_TOKEN_MALFORMED', 'the token header is not a JSON object with an alg');
    if (!(settings.algorithms as readonly string[]).includes(header.alg))
      return fail('CF_TOKEN_ALG_NOT_ALLOWED', `algorithm ${JSON.stringify(header.alg).slice(0, 40)} is not allowed`);
    try {
      const result = await jwtVerify(token, keyResolver, {
        algorithms: [...settings.algorithms],
        issuer: settings.issuer,
        audience: settings.audience,
        clockTolerance: tolerance,
        currentDate: new Date(now()),
        requiredClaims: settings.requireExp ? ['exp'] : [],
        crit: {},
      });
      const claims = result.payload as Record<string, unknown>;
      const h = { alg: result.protectedHeader.alg, kid: result.protectedHeader.kid };
      return { status: 'valid', claims, header: h };
    } catch (error) {
      const t = translateJoseError(error);
      return fail(t.code, t.reason);
    }
  }

  return {
    async verify(token) {
      try {
        if (typeof token !== 'string' || token.length === 0) return fail('CF_TOKEN_MISSING', 'no token');
        if (Buffer.byteLength(token, 'utf8') > MAX_TOKEN_BYTES)
          return fail('CF_TOKEN_TOO_LARGE', `the token is larger than ${MAX_TOKEN_BYTES} bytes`);
        if (!COMPACT.test(token))
          return fail('CF_TOKEN_MALFORMED', 'the token is not a compact JWS (three base64url parts)');
        const key = createHash('sha256').update(token).digest('hex');
        const hit = cache.get(key);
        if (hit) {
          if (hit.exp !== undefined && hit.exp + tolerance <= now() / 1000) {
            cache.delete(key);
            return fail('CF_TOKEN_EXPIRED', 'the token has expired (exp is in the past)');
          }
          counters.cacheHits++;
          return { status: 'valid', claims: hit.claims, header: hit.header };
        }
        counters.cacheMisses++;
        const result = await verifyUncached(token);
        if (result.status === 'valid') {
          const exp = typeof result.claims.exp === 'number' ? result.claims.exp : undefined;
          cache.set(key, { claims: result.claims, header: result.header, exp });
        }
        return result;
      } catch (error) {
        const t = translateJoseError(error);
        return fail(t.code, t.reason);
      }
    },
    stats: () => ({ ...counters }),
    close() {
      cache.clear();
    },
  };
}

function buildKeyResolver(settings: JwtSettings, counters: { jwksFetches: number }): JWTVerifyGetKey | null {
  const key = settings.key;
  switch (key.kind) {
    case 'none':
      return null;
    case 'secret': {
      const bytes = new TextEncoder().encode(key.secret);
      return async () => bytes;
    }
    case 'spki':
    case 'x509': {
      const imported = new Map<string, Promise<CryptoKey | KeyObject>>();
      return async (header) => {
        const alg = header.alg as string;
        let k = imported.get(alg);
        if (!k) {
          k = key.kind === 'spki' ? importSPKI(key.pem, alg) : importX509(key.pem, alg);
          imported.set(alg, k);
        }
        return k;
      };
    }
    case 'jwks':
      return createLocalJWKSet({ keys: key.jwks.keys as never[] }) as unknown as JWTVerifyGetKey;
    case 'jwksUrl':
      return createRemoteJWKSet(new URL(key.url), {
        timeoutDuration: key.timeoutMs,
        cooldownDuration: key.cooldownMs,
        cacheMaxAge: key.cacheMaxAgeMs,
        [customFetch]: (url: string, init: RequestInit) => {
          counters.jwksFetches++;
          return fetch(url, { ...init, redirect: 'manual' });
        },
      }) as unknown as JWTVerifyGetKey;
  }
}
