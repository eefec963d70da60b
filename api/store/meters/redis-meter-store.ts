/**
 * The Redis meter store (`CLAIMFLOW_METER_URL=redis://...`), for sites whose page views outgrow one database. Each
 * (tracker, visitor) is one sorted set of uses scored by their stamp; one server-side Lua script counts the uses in
 * the window, checks unique content and the allowance, and records the use, atomically (Redis runs a script alone).
 * A key expires when its last use stops counting (the longest `expiresAt` of its uses; never for lifetime meters),
 * and uses that left every window are removed as new ones are written, so memory stays bounded.
 * Durability is whatever the Redis server's persistence gives (AOF with `appendfsync always` loses nothing
 * acknowledged; the default `everysec` can lose the last second of uses on a crash; RDB snapshots lose more).
 * Requires Redis 7 (PEXPIRETIME). An unreachable server answers CF_STORE_UNAVAILABLE quickly (no offline queue), and
 * decisions then follow CLAIMFLOW_METER_FAILURE_MODE.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { ClaimflowError } from '../../../engine/errors/catalogue';
import { repeatContent } from '../rules';
import type { MeterRequest, MeterResult, MeterStore } from '../store';

/**
 * KEYS[1] the meter key. ARGV: windowStart, now, allowance, content ('' none, else 'c' .. id), unique ('1': a use of
 * this content already in the window makes this one a repeat, see repeatContent), expiresAt ('n' never), member id,
 * write ('1' consume, '0' peek).
 * A member is "<expiresAt|n>:<now>:<id>:<'-'|'c'content>". Returns { allowed 0/1, used, counted 0/1 }.
 * The three answers are the meter rule's (api/store/rules/meters.ts, `meterVerdict`), kept inside the script so the
 * check and the write stay one atomic step: a repeat is allowed uncounted, a full window refuses, anything else counts.
 */
const METER_SCRIPT = `
local key = KEYS[1]
local ws, now, allowance = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local content, unique, expires, id, write = ARGV[4], ARGV[5] == '1', ARGV[6], ARGV[7], ARGV[8] == '1'
local function after(m, k)
  local p = 0
  for _ = 1, k do p = string.find(m, ':', p + 1, true) end
  return p
end
local uses = redis.call('ZRANGEBYSCORE', key, ws, '+inf')
local n = #uses
if unique and content ~= '' then
  for _, m in ipairs(uses) do
    if string.sub(m, after(m, 3) + 1) == content then return {1, n, 0} end
  end
end
if n >= allowance then return {0, n, 0} end
if not write then return {1, n, 0} end
local existed = redis.call('EXISTS', key) == 1
for _, m in ipairs(redis.call('ZRANGEBYSCORE', key, '-inf', '(' .. ws)) do
  local e = string.sub(m, 1, after(m, 1) - 1)
  if e ~= 'n' and tonumber(e) <= now then redis.call('ZREM', key, m) end
end
redis.call('ZADD', key, now, expires .. ':' .. now .. ':' .. id .. ':' .. (content == '' and '-' or content))
if expires == 'n' then
  redis.call('PERSIST', key)
else
  local at = redis.call('PEXPIRETIME', key)
  if not existed or (at >= 0 and tonumber(expires) > at) then redis.call('PEXPIREAT', key, expires) end
end
return {1, n + 1, 1}
`;

export interface RedisMeterStoreOptions {
  url: string;
  /** Prefix of every key (default `claimflow:meter:`); tests use a random one. */
  keyPrefix?: string;
  /** A command that takes longer fails with CF_STORE_UNAVAILABLE (ms, default 1000). */
  commandTimeoutMs?: number;
  /**
   * true (default): refuse to open when the server cannot be reached. false: open anyway and keep reconnecting in the
   * background (meter calls answer CF_STORE_UNAVAILABLE meanwhile), so the service starts while Redis is down.
   */
  requireConnection?: boolean;
}

type MeterClient = Redis & {
  claimflowMeter(key: string, ...args: Array<string | number>): Promise<[number, number, number]>;
};

/** @example const meters = await openRedisMeterStore({ url: 'redis://127.0.0.1:6379' }) */
export async function openRedisMeterStore(options: RedisMeterStoreOptions): Promise<MeterStore> {
  const prefix = options.keyPrefix ?? 'claimflow:meter:';
  const client = new Redis(options.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    enableAutoPipelining: true, // concurrent uses leave in one write to the server
    maxRetriesPerRequest: 1,
    connectTimeout: options.commandTimeoutMs ?? 1000,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    retryStrategy: (times) => Math.min(times * 100, 2000),
  }) as MeterClient;
  client.on('error', () => {
    // reconnects on its own; failed commands answer CF_STORE_UNAVAILABLE meanwhile
  });
  client.defineCommand('claimflowMeter', { numberOfKeys: 1, lua: METER_SCRIPT });
  try {
    await client.connect();
  } catch (error) {
    if (options.requireConnection !== false) {
      client.disconnect();
      throw unavailable(error);
    }
  }

  // Length-prefixed tracker, so no (tracker, visitor) pair can spell another's key.
  const keyOf = (req: MeterRequest) => `${prefix}${req.tracker.length}:${req.tracker}:${req.visitor}`;
  const run = async (req: MeterRequest, write: boolean): Promise<MeterResult> => {
    const [allowed, used, counted] = await client
      .claimflowMeter(
        keyOf(req),
        req.windowStart,
        req.now,
        req.allowance,
        req.contentId === null ? '' : `c${req.contentId}`,
        repeatContent(req) === null ? '0' : '1',
        req.expiresAt == null ? 'n' : Math.ceil(req.expiresAt),
        randomBytes(6).toString('base64url'),
        write ? '1' : '0',
      )
      .catch((error: unknown) => {
        throw unavailable(error);
      });
    return { allowed: allowed === 1, used: Number(used), counted: counted === 1 };
  };

  return {
    kind: 'redis',
    consumeMeter: (req) => run(req, true),
    async peekMeter(req) {
      const { allowed, used } = await run(req, false);
      return { allowed, used };
    },
    // Keys expire with their window and stale uses are dropped as new ones are written: nothing to prune.
    async pruneMeters() {
      return 0;
    },
    async ready() {
      try {
        return (await client.ping()) === 'PONG';
      } catch {
        return false;
      }
    },
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

function unavailable(error: unknown): ClaimflowError {
  const message = error instanceof Error ? error.message : String(error);
  const wrapped = new ClaimflowError('CF_STORE_UNAVAILABLE', `the redis meter store is unavailable: ${message}`);
  wrapped.cause = error;
  return wrapped;
}
