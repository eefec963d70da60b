/**
 * Turns a scheduled time given as wall-clock time in an IANA zone (`2026-11-27T00:00` in `Europe/Berlin`) or as an
 * instant with an offset into epoch milliseconds, with luxon (which knows the zone rules, including daylight saving:
 * a wall-clock time skipped by a spring-forward gap moves forward by the gap).
 */
import { DateTime, IANAZone } from 'luxon';
import { ClaimflowError } from '../../engine/errors/catalogue';

/** Epoch ms of `at` in `timeZone`, and the wall-clock time there. Throws CF_SCHEDULE_TIME_INVALID (field named). */
export function resolveScheduleTime(at: string, timeZone: string): { runAt: number; localTime: string } {
  if (!IANAZone.isValidZone(timeZone))
    throw new ClaimflowError('CF_SCHEDULE_TIME_INVALID', `"${timeZone}" is not an IANA time zone`, {
      field: 'body.timeZone',
    });
  const hasOffset = /(Z|[+-]\d\d:?\d\d)$/i.test(at);
  const parsed = DateTime.fromISO(at, { zone: timeZone, setZone: false });
  if (!parsed.isValid || !/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(at))
    throw new ClaimflowError(
      'CF_SCHEDULE_TIME_INVALID',
      `"${at}" is not a date-time such as 2026-11-27T00:00 (${parsed.invalidExplanation ?? 'unreadable'})`,
      { field: 'body.at' },
    );
  const local = hasOffset ? parsed.setZone(timeZone) : parsed;
  return { runAt: local.toMillis(), localTime: local.toFormat("yyyy-MM-dd'T'HH:mm:ss") };
}
