/** The JWKS keys endpoint as a jose key resolver behind a guarded fetch (no redirects, vetted keys, backoff). */
import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose';
import { jwksProblems } from './jwks-policy';
import { TokenRefusal } from './translate-jose-error';

export const MAX_JWKS_BYTES = 512 * 1024;
export const MAX_FAILURE_BACKOFF_MS = 5_000;

/** How one request to the keys endpoint ended (a bounded set: it labels a metric). */
export type JwksFetchResult =
  | 'success'
  | 'http_error'
  | 'redirect'
  | 'invalid'
  | 'too_large'
  | 'timeout'
  | 'unreachable';

export interface JwksFetchEvent {
  result: JwksFetchResult;
  /** Epoch milliseconds when the request ended. */
  at: number;
  /** Keys in the set (success only). */
  keys?: number;
  /** Why it failed (never quotes the response body). */
  reason?: string;
}

export interface RemoteJwksOptions {
  url: string;
  timeoutMs: number;
  cooldownMs: number;
  cacheMaxAgeMs: number;
  /** Called once per request actually sent to the endpoint. */
  onFetch?: () => void;
  /** Called once per request when it ends, with its result. */
  onResult?: (event: JwksFetchEvent) => void;
}

/** What is known about the remote key set: when it was last fetched successfully, and the last failure. */
export interface RemoteKeySetStatus {
  url: string;
  /** Epoch milliseconds of the last successful fetch; null: never fetched successfully. */
  lastSuccessAt: number | null;
  /** Keys in the last set fetched successfully. */
  keys: number | null;
  /** The key ids of that set (at most 20 shown). */
  kids: string[];
  lastFailureAt: number | null;
  lastFailure: string | null;
}

export interface RemoteKeyResolver {
  getKey: JWTVerifyGetKey;
  status(): RemoteKeySetStatus;
  /** Fetches the key set now (unless in the failure backoff) and reports the status; never rejects. */
  prefetch(): Promise<RemoteKeySetStatus>;
}

class FetchFailure extends TokenRefusal {
  constructor(
    readonly result: Exclude<JwksFetchResult, 'success'>,
    reason: string,
  ) {
    super('CF_TOKEN_JWKS_UNAVAILABLE', reason);
  }
}

const unavailable = (reason: string, result: Exclude<JwksFetchResult, 'success'> = 'invalid') =>
  new FetchFailure(result, reason);

async function readCapped(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    throw unavailable(`the JWKS response is larger than ${limit} bytes`, 'too_large');
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
      throw unavailable(`the JWKS response is larger than ${limit} bytes`, 'too_large');
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
export function createGuardedJwksFetch(options: {
  cooldownMs: number;
  onFetch?: () => void;
  onResult?: (event: JwksFetchEvent) => void;
}) {
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
        throw unavailable(
          `the JWKS endpoint redirected (HTTP ${response.status}); redirects are not followed`,
          'redirect',
        );
      }
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => undefined);
        throw unavailable(`the JWKS endpoint answered HTTP ${response.status}`, 'http_error');
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
      options.onResult?.({ result: 'success', at: Date.now(), keys: (json as { keys: unknown[] }).keys.length });
      return new Response(text, { status: 200, headers: { 'content-type': 'application/json' } });
    } catch (error) {
      failedAt = Date.now();
      const failed = (result: Exclude<JwksFetchResult, 'success'>, reason: string) => {
        lastFailure = reason;
        options.onResult?.({ result, at: failedAt, reason });
      };
      // A timeout keeps its own shape so that jose reports it as ERR_JWKS_TIMEOUT.
      if (init.signal?.aborted) {
        failed('timeout', 'the JWKS endpoint timed out');
        throw init.signal.reason ?? error;
      }
      if (error instanceof FetchFailure) {
        failed(error.result, error.message);
        throw error;
      }
      const cause = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
      failed('unreachable', `the JWKS endpoint is unreachable${typeof cause === 'string' ? ` (${cause})` : ''}`);
      throw unavailable(lastFailure, 'unreachable');
    }
  };
}

/**
 * The remote key set as a jose key resolver, with what is known about its fetches (for readiness and the admin API).
 * @example const remote = createRemoteKeyResolver({ url, timeoutMs: 3000, cooldownMs: 5000, cacheMaxAgeMs: 600000 }); await remote.prefetch()
 */
export function createRemoteKeyResolver(options: RemoteJwksOptions): RemoteKeyResolver {
  const state: RemoteKeySetStatus = {
    url: options.url,
    lastSuccessAt: null,
    keys: null,
    kids: [],
    lastFailureAt: null,
    lastFailure: null,
  };
  const guarded = createGuardedJwksFetch({
    cooldownMs: options.cooldownMs,
    onFetch: options.onFetch,
    onResult: (event) => {
      if (event.result === 'success') {
        state.lastSuccessAt = event.at;
        state.keys = event.keys ?? null;
      } else {
        state.lastFailureAt = event.at;
        state.lastFailure = event.reason ?? event.result;
      }
      options.onResult?.(event);
    },
  });
  const set = createRemoteJWKSet(new URL(options.url), {
    timeoutDuration: options.timeoutMs,
    cooldownDuration: options.cooldownMs,
    cacheMaxAge: options.cacheMaxAgeMs,
    [customFetch]: guarded,
  });
  const status = (): RemoteKeySetStatus => {
    const kids = (set.jwks()?.keys ?? []).map((k) => k.kid).filter((k): k is string => typeof k === 'string');
    return { ...state, kids: kids.slice(0, 20) };
  };
  return {
    getKey: set as unknown as JWTVerifyGetKey,
    status,
    async prefetch() {
      try {
        await set.reload();
      } catch (error) {
        // The guard already recorded the failure; a refusal during the backoff sent nothing.
        if (state.lastFailure === null) state.lastFailure = (error as Error).message;
      }
      return status();
    },
  };
}
