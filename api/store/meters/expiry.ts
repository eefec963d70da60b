/**
 * When a recorded meter use stops counting: the end of the longest window it can fall in, plus a margin for clocks
 * that disagree between instances. Pruning forgets uses after that instant; Redis keys expire then.
 */
import type { Period } from '../../../engine';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Slack for instance clocks that run apart and for daylight-saving days of 25 hours. */
export const EXPIRY_MARGIN_MS = 2 * HOUR;

/**
 * @param period the meter's period; @param windowStart the first instant of its current window; @param now the use's stamp
 * @returns epoch ms after which the use never counts again, or null for lifetime meters
 * @example meterExpiry({ kind: 'rolling', ms: 30 * 86_400_000 }, now - 30 * 86_400_000, now) // now + 30 days + 2 h
 */
export function meterExpiry(period: Period, windowStart: number, now: number): number | null {
  if (period.kind === 'lifetime') return null;
  if (period.kind === 'rolling') return now + period.ms + EXPIRY_MARGIN_MS;
  const length = period.unit === 'day' ? DAY : period.unit === 'week' ? 7 * DAY : 31 * DAY;
  return windowStart + length + EXPIRY_MARGIN_MS;
}
