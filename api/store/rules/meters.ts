/**
 * The trial meter rule, once for every meter backend. A use of a meter (tracker, visitor) at `now` looks at the uses
 * recorded at or after `windowStart`:
 * - a repeat (uniqueContent counting, and this content was already counted in the window) is allowed and not counted;
 * - otherwise, when the window already holds `allowance` uses, it is refused (exhausted) and not counted;
 * - otherwise it is allowed and counted (`used` includes it).
 * A peek answers what a use would be told, without recording it. Uses of every counting mode share a tracker's count
 * and their content ids (a page view of content "a" makes a later uniqueContent read of "a" a repeat).
 *
 * Who applies it: the SQLite store (consume and peek) and the PostgreSQL store's peek call `meterVerdict` and
 * `meterPeek` on the state their SQL reads. Two places must apply it inside the backend, because the check and the
 * write are one atomic step there: the PostgreSQL function `claimflow_consume_meters` (api/store/migrations/postgres.ts:
 * a whole group-committed batch in one call, under advisory locks) and the Redis Lua script (api/store/meters/
 * redis-meter-store.ts: Redis runs a script alone). They mirror this rule line by line; the meter contract test
 * (test/api/store/meter-contract.test.ts) replays random uses against every backend and compares each answer with
 * `meterVerdict`.
 */
import type { MeterRequest, MeterResult } from '../store';

/** What a backend read about a meter before a use: the uses in the window, and whether this use is a repeat. */
export interface MeterState {
  used: number;
  repeat: boolean;
}

/**
 * The content id whose earlier use in the window makes this use a repeat: the request's content under uniqueContent
 * counting; null (never a repeat) for pageViews or a use without content.
 */
export function repeatContent(req: Pick<MeterRequest, 'counting' | 'contentId'>): string | null {
  return req.counting === 'uniqueContent' ? req.contentId : null;
}

/**
 * The answer to a use given the meter's state; `counted` tells the backend to record it.
 * @example meterVerdict({ used: 2, repeat: false }, 2) // { allowed: false, used: 2, counted: false }
 */
export function meterVerdict(state: MeterState, allowance: number): MeterResult {
  if (state.repeat) return { allowed: true, used: state.used, counted: false };
  if (state.used >= allowance) return { allowed: false, used: state.used, counted: false };
  return { allowed: true, used: state.used + 1, counted: true };
}

/** What a use would be told (allowed or exhausted) and the uses in the window now, recording nothing. */
export function meterPeek(state: MeterState, allowance: number): { allowed: boolean; used: number } {
  return { allowed: meterVerdict(state, allowance).allowed, used: state.used };
}
