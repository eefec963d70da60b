/** Wall-clock times in IANA zones, as scheduled changes read them: offsets, daylight-saving gaps and overlaps. */
import { describe, expect, it } from 'vitest';
import { resolveScheduleTime } from '../../api/schedules/schedule-time';

const at = (local: string, zone: string) => new Date(resolveScheduleTime(local, zone).runAt).toISOString();

describe('scheduled times', () => {
  it('reads a wall-clock time in the zone, with or without seconds', () => {
    expect(at('2026-11-27T00:00', 'Europe/Berlin')).toBe('2026-11-26T23:00:00.000Z');
    expect(at('2026-07-01T09:30:15', 'America/New_York')).toBe('2026-07-01T13:30:15.000Z');
    expect(at('2026-07-01T09:30', 'Asia/Kolkata')).toBe('2026-07-01T04:00:00.000Z');
  });

  it('takes an instant with an offset as given, and reports its wall-clock time in the zone', () => {
    expect(resolveScheduleTime('2026-11-26T23:00:00Z', 'Europe/Berlin')).toEqual({
      runAt: Date.parse('2026-11-26T23:00:00Z'),
      localTime: '2026-11-27T00:00:00',
    });
  });

  it('moves a time skipped by spring-forward ahead by the gap; an ambiguous fall-back time is the first one', () => {
    // Berlin, 29 March 2026: 02:00 CET jumps to 03:00 CEST, so 02:30 is 03:30 CEST
    expect(at('2026-03-29T02:30', 'Europe/Berlin')).toBe('2026-03-29T01:30:00.000Z');
    // Berlin, 25 October 2026: 03:00 CEST falls back to 02:00 CET, so 02:30 happens twice; the first is CEST
    expect(at('2026-10-25T02:30', 'Europe/Berlin')).toBe('2026-10-25T00:30:00.000Z');
  });

  it('refuses unknown zones and impossible dates with CF_SCHEDULE_TIME_INVALID naming the field', () => {
    expect(() => resolveScheduleTime('2026-01-01T00:00', 'Europe/Atlantis')).toThrow(
      expect.objectContaining({ code: 'CF_SCHEDULE_TIME_INVALID', location: { field: 'body.timeZone' } }),
    );
    for (const bad of ['2026-02-30T10:00', '2026-01-01', 'tomorrow at noon'])
      expect(() => resolveScheduleTime(bad, 'UTC'), bad).toThrow(
        expect.objectContaining({ code: 'CF_SCHEDULE_TIME_INVALID', location: { field: 'body.at' } }),
      );
  });
});
