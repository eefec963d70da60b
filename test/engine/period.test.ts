import { describe, expect, it } from 'vitest';
import { parsePeriod, windowStart } from '../../engine';

describe('trial periods', () => {
  it('parses rolling durations, calendar periods and lifetime', () => {
    expect(parsePeriod('P30D')).toEqual({ ok: true, period: { kind: 'rolling', ms: 30 * 86_400_000 } });
    expect(parsePeriod('P1W')).toEqual({ ok: true, period: { kind: 'rolling', ms: 7 * 86_400_000 } });
    expect(parsePeriod('PT12H')).toEqual({ ok: true, period: { kind: 'rolling', ms: 12 * 3_600_000 } });
    expect(parsePeriod('P1DT30M')).toEqual({ ok: true, period: { kind: 'rolling', ms: 86_400_000 + 1_800_000 } });
    expect(parsePeriod('calendarMonth')).toEqual({ ok: true, period: { kind: 'calendar', unit: 'month' } });
    expect(parsePeriod('lifetime')).toEqual({ ok: true, period: { kind: 'lifetime' } });
    for (const bad of ['P', 'PT', '30D', 'P1M', 'P1Y', 'P0D', 'monthly', 'P-1D'])
      expect(parsePeriod(bad).ok, bad).toBe(false);
  });

  it('computes window starts: rolling, calendar day/week/month in a time zone, lifetime', () => {
    const now = Date.parse('2026-11-25T03:30:00Z'); // Wednesday; in New York still Tuesday 22:30
    const p = (s: string) => {
      const r = parsePeriod(s);
      if (!r.ok) throw new Error(r.error);
      return r.period;
    };
    expect(windowStart(p('P30D'), now)).toBe(now - 30 * 86_400_000);
    expect(windowStart(p('lifetime'), now)).toBe(0);
    expect(new Date(windowStart(p('calendarDay'), now)).toISOString()).toBe('2026-11-25T00:00:00.000Z');
    expect(new Date(windowStart(p('calendarDay'), now, 'America/New_York')).toISOString()).toBe(
      '2026-11-24T05:00:00.000Z',
    );
    expect(new Date(windowStart(p('calendarWeek'), now)).toISOString()).toBe('2026-11-23T00:00:00.000Z');
    expect(new Date(windowStart(p('calendarMonth'), now, 'Asia/Tokyo')).toISOString()).toBe('2026-10-31T15:00:00.000Z');
    // across a DST change: Europe/Berlin switches to winter time on 2026-10-25
    const afterDst = Date.parse('2026-10-28T12:00:00Z');
    expect(new Date(windowStart(p('calendarWeek'), afterDst, 'Europe/Berlin')).toISOString()).toBe(
      '2026-10-25T23:00:00.000Z',
    );
    expect(new Date(windowStart(p('calendarMonth'), afterDst, 'Europe/Berlin')).toISOString()).toBe(
      '2026-09-30T22:00:00.000Z',
    );
  });
});
