/**
 * Turns a scheduled time given as wall-clock time in an IANA zone (`2026-11-27T00:00` in `Europe/Berlin`) or as an
 * instant with an offset into epoch milliseconds, with luxon (which knows the zone rules). Daylight saving: a
 * wall-clock time skipped by a spring-forward gap moves forward by the gap; a time that happens twice when clocks fall
 * back is the first of the two (as Temporal's "compatible" disambiguation).
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
  let local = hasOffset ? parsed.setZone(timeZone) : parsed;
  if (!hasOffset) {
    // the same wall-clock time under the offset in force a few hours before (larger when clocks fell back since)
    const before = local.minus({ hours: 6 }).offset;
    if (before > local.offset) {
      const first = DateTime.fromMillis(local.toMillis() - (before - local.offset) * 60_000, { zone: timeZone });
      if (first.toFormat('yyyy-MM-dd HH:mm:ss.SSS') === local.toFormat('yyyy-MM-dd HH:mm:ss.SSS')) local = first;
    }
  }
  return { runAt: local.toMillis(), localTime: local.toFormat("yyyy-MM-dd'T'HH:mm:ss") };
}
