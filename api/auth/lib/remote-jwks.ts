/** The JWKS keys endpoint as a jose key resolver behind a guarded fetch (no redirects, vetted keys, backoff). */
import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose';
import { jwksProblems } from './jwks-policy';
import { TokenRefusal } from './translate-jose-error';

export const MAX_JWKS_BYTES = 512 * 1024;
export const MAX_FAILURE_BACKOFF_MS = 5_000;

export interface RemoteJwksOptions {
  url: string;
  timeoutMs: number;
  cooldownMs: number;
  cacheMaxAgeMs: number;
  /** Called once per request actually sent to the endpoint. */
  onFetch?: () => void;
}

const unavailable = (reason: string) => new TokenRefusal('CF_TOKEN_JWKS_UNAVAILABLE', reason);

async function readCapped(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    throw unavailable(`the JWKS response is larger than ${limit} bytes`);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw unavailable(`the JWKS response is larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A fetch for jose's remote key set that only ever answers 200 with a vetted public JWK Set, or throws: redirects are
 * never followed, the body is capped, a set with symmetric or private keys is refused as a whole, and after a failed
 * fetch no new request is sent for min(cooldown, 5 s), so a flood of tokens cannot hammer a failing endpoint (jose's
 * own cooldown only starts after a success). Every failure fails closed as CF_TOKEN_JWKS_UNAVAILABLE.
 */
export function createGuardedJwksFetch(options: { cooldownMs: number; onFetch?: () => void }) {
  const backoffMs = Math.min(options.cooldownMs, MAX_FAILURE_BACKOFF_MS);
  let failedAt = Number.NEGATIVE_INFINITY;
  let lastFailure = '';

  return async (url: string, init: RequestInit): Promise<Response> => {
    if (Date.now() < failedAt + backoffMs)
      throw unavailable(`no JWKS fetch during the ${backoffMs} ms failure backoff; last failure: ${lastFailure}`);
    options.onFetch?.();
    try {
      const response = await fetch(url, { ...init, redirect: 'manual' });
      if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) {
        await response.body?.cancel().catch(() => undefined);
        throw unavailable(`the JWKS endpoint redirected (HTTP ${response.status}); redirects are not followed`);
      }
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => undefined);
        throw unavailable(`the JWKS endpoint answered HTTP ${response.status}`);
      }
      const text = await readCapped(response, MAX_JWKS_BYTES);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw unavailable('the JWKS endpoint did not return JSON');
      }
      const problems = jwksProblems(json);
      if (problems.length > 0) {
        const p = problems[0];
        throw unavailable(
          `the JWKS endpoint served an unusable key set: ${p.index === undefined ? '' : `key ${p.index}: `}${p.message}`,
        );
      }
      return new Response(text, { status: 200, headers: { 'content-type': 'application/json' } });
    } catch (error) {
      failedAt = Date.now();
      // A timeout keeps its own shape so that jose reports it as ERR_JWKS_TIMEOUT.
      if (init.signal?.aborted) {
        lastFailure = 'the JWKS endpoint timed out';
        throw init.signal.reason ?? error;
      }
      if (error instanceof TokenRefusal) {
        lastFailure = error.message;
        throw error;
      }
      const cause = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
      lastFailure = `the JWKS endpoint is unreachable${typeof cause === 'string' ? ` (${cause})` : ''}`;
      throw unavailable(lastFailure);
    }
  };
}

/**
 * @example const getKey = createRemoteKeyResolver({ url, timeoutMs: 3000, cooldownMs: 30000, cacheMaxAgeMs: 600000 })
 */
export function createRemoteKeyResolver(options: RemoteJwksOptions): JWTVerifyGetKey {
  const guarded = createGuardedJwksFetch(options);
  const set = createRemoteJWKSet(new URL(options.url), {
    timeoutDuration: options.timeoutMs,
    cooldownDuration: options.cooldownMs,
    cacheMaxAge: options.cacheMaxAgeMs,
    [customFetch]: guarded,
  });
  return set as unknown as JWTVerifyGetKey;
}
