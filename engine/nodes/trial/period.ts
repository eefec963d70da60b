/**
 * Trial meter periods: rolling ISO-8601 durations of days, weeks and time parts (`P30D`, `P1W`, `PT12H`),
 * calendar periods (`calendarDay`, `calendarWeek` Monday to Sunday, `calendarMonth`) in a time zone, or `lifetime`.
 * Months and years are calendar lengths, so a rolling `P1M` is refused: use `calendarMonth`.
 */
import { localMidnight, localParts, WEEKDAYS } from '../lib/time-zone';

export type Period =
  | { kind: 'rolling'; ms: number }
  | { kind: 'calendar'; unit: 'day' | 'week' | 'month' }
  | { kind: 'lifetime' };

const ROLLING = /^P(?:(\d{1,5})W)?(?:(\d{1,5})D)?(?:T(?:(\d{1,6})H)?(?:(\d{1,7})M)?(?:(\d{1,9})S)?)?$/;

export function parsePeriod(input: string): { ok: true; period: Period } | { ok: false; error: string } {
  if (input === 'lifetime') return { ok: true, period: { kind: 'lifetime' } };
  if (input === 'calendarDay') return { ok: true, period: { kind: 'calendar', unit: 'day' } };
  if (input === 'calendarWeek') return { ok: true, period: { kind: 'calendar', unit: 'week' } };
  if (input === 'calendarMonth') return { ok: true, period: { kind: 'calendar', unit: 'month' } };
  const m = ROLLING.exec(input);
  if (!m || input === 'P' || input.endsWith('T')) {
    if (/^P.*[YM]/.test(input) && !input.includes('T'))
      return { ok: false, error: `"${input}": months and years vary in length; use calendarMonth or days (P30D)` };
    return {
      ok: false,
      error: `"${input}" is not a period: use an ISO-8601 duration like P30D, or calendarDay, calendarWeek, calendarMonth, lifetime`,
    };
  }
  const [w = 0, d = 0, h = 0, min = 0, s = 0] = m.slice(1).map((x) => (x ? Number(x) : 0));
  const ms = ((((w * 7 + d) * 24 + h) * 60 + min) * 60 + s) * 1000;
  if (ms <= 0) return { ok: false, error: `"${input}" is an empty duration` };
  return { ok: true, period: { kind: 'rolling', ms } };
}

/** The first instant (epoch ms, inclusive) of the meter window containing `now`. */
export function windowStart(period: Period, now: number, timeZone = 'UTC'): number {
  if (period.kind === 'lifetime') return 0;
  if (period.kind === 'rolling') return now - period.ms;
  const p = localParts(now, timeZone);
  if (period.unit === 'day') return localMidnight(p.year, p.month, p.day, timeZone);
  if (period.unit === 'month') return localMidnight(p.year, p.month, 1, timeZone);
  const back = WEEKDAYS.indexOf(p.weekday);
  const monday = new Date(Date.UTC(p.year, p.month - 1, p.day - back));
  return localMidnight(monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate(), timeZone);
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Slack for instance clocks that run apart and for daylight-saving days of 25 hours. */
export const EXPIRY_MARGIN_MS = 2 * HOUR;

/**
 * When a recorded meter use stops counting: the end of the longest window it can fall in, plus a margin for clocks
 * that disagree between instances. Pruning forgets uses after that instant; Redis keys expire then.
 * @param period the meter's period; @param windowStart the first instant of its current window; @param now the use's stamp
 * @returns epoch ms after which the use never counts again, or null for lifetime meters
 * @example periodExpiry({ kind: 'rolling', ms: 30 * 86_400_000 }, now - 30 * 86_400_000, now) // now + 30 days + 2 h
 */
export function periodExpiry(period: Period, windowStart: number, now: number): number | null {
  if (period.kind === 'lifetime') return null;
  if (period.kind === 'rolling') return now + period.ms + EXPIRY_MARGIN_MS;
  const length = period.unit === 'day' ? DAY : period.unit === 'week' ? 7 * DAY : 31 * DAY;
  return windowStart + length + EXPIRY_MARGIN_MS;
}
