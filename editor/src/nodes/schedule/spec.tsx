/** Schedule form: date-time pickers on the node's own time zone, a time-zone picker, days (all by default). */
import { WEEKDAYS } from '../../../../engine';
import { Field } from '../fields';
import { isoToZoned, localTimeZone, timeZones, zonedToIso } from '../lib/zoned-time';
import type { EditorNodeSpec, FormProps } from '../spec';

function ScheduleForm({ data, onChange, readOnly }: FormProps<'schedule'>) {
  const days: NonNullable<typeof data.days> = Array.isArray(data.days) ? data.days : [];
  const tz = typeof data.timeZone === 'string' && data.timeZone ? data.timeZone : 'UTC';
  const zones = timeZones();
  const setTime = (k: 'after' | 'before', local: string) => {
    const next = { ...data };
    const iso = local ? zonedToIso(local, tz) : null;
    if (iso) next[k] = iso;
    else delete next[k];
    onChange(next);
  };
  return (
    <>
      <Field label="Time zone" hint="the window and the days are read on this zone's clock">
        <select
          data-testid="form-timezone"
          value={tz}
          disabled={readOnly}
          onChange={(e) => {
            // Keep the wall-clock times the person picked, in the new zone.
            const next: Record<string, unknown> = { ...data, timeZone: e.target.value };
            for (const k of ['after', 'before'] as const)
              if (data[k]) next[k] = zonedToIso(isoToZoned(data[k], tz), e.target.value) ?? data[k];
            onChange(next);
          }}
        >
          {zones.includes(tz) ? null : <option value={tz}>{tz} (unknown)</option>}
          {zones.map((z) => (
            <option key={z} value={z}>
              {z}
            </option>
          ))}
        </select>
      </Field>
      <Field label="From (inclusive)" hint="empty: no start">
        <input
          type="datetime-local"
          data-testid="form-after"
          value={isoToZoned(data.after, tz)}
          readOnly={readOnly}
          onChange={(e) => setTime('after', e.target.value)}
        />
      </Field>
      <Field label="Until (exclusive)" hint="empty: no end">
        <input
          type="datetime-local"
          data-testid="form-before"
          value={isoToZoned(data.before, tz)}
          readOnly={readOnly}
          onChange={(e) => setTime('before', e.target.value)}
        />
      </Field>
      <fieldset className="checks row">
        <legend className="field-label">Days of the week (none: every day)</legend>
        {WEEKDAYS.map((d) => (
          <label key={d} className="check">
            <input
              type="checkbox"
              data-testid={`form-day-${d}`}
              disabled={readOnly}
              checked={days.includes(d)}
              onChange={() =>
                onChange({ ...data, days: days.includes(d) ? days.filter((x) => x !== d) : [...days, d] })
              }
            />
            {d}
          </label>
        ))}
      </fieldset>
    </>
  );
}

export const scheduleSpec: EditorNodeSpec<'schedule'> = {
  color: '#059669',
  icon: '◷',
  summary: (d) => {
    const tz = typeof d.timeZone === 'string' ? d.timeZone : 'UTC';
    const days = Array.isArray(d.days) ? (d.days as string[]) : [];
    return (
      [
        d.after ? `from ${isoToZoned(d.after, tz).replace('T', ' ')}` : '',
        d.before ? `until ${isoToZoned(d.before, tz).replace('T', ' ')}` : '',
        days.length && days.length < 7 ? days.join(' ') : '',
        d.after || d.before || (days.length && days.length < 7) ? tz : '',
      ]
        .filter(Boolean)
        .join(', ') || 'set a window'
    );
  },
  /** Every day, on the author's clock: a new window never silently answers "no" at weekends. */
  defaultData: () => ({ timeZone: localTimeZone(), days: [...WEEKDAYS] }),
  Form: ScheduleForm,
  controls: { timeZone: 'form-timezone', after: 'form-after', before: 'form-before', days: 'form-day-mon' },
};
