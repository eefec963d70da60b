import { WEEKDAYS } from '../../../../engine/nodes/lib/time-zone';
import { Field, Text } from '../fields';
import type { EditorNodeSpec, FormProps } from '../spec';

function ScheduleForm({ data, onChange, readOnly }: FormProps) {
  const days = Array.isArray(data.days) ? (data.days as string[]) : [];
  const set = (k: string, v: string) => {
    const next = { ...data };
    if (v) next[k] = v;
    else delete next[k];
    onChange(next);
  };
  return (
    <>
      <Field label="After (ISO date and time)" hint="e.g. 2026-12-01T00:00:00Z">
        <Text testId="form-after" value={data.after} readOnly={readOnly} onChange={(v) => set('after', v)} />
      </Field>
      <Field label="Before (ISO date and time)">
        <Text testId="form-before" value={data.before} readOnly={readOnly} onChange={(v) => set('before', v)} />
      </Field>
      <Field label="Days of the week">
        <div className="checks row">
          {WEEKDAYS.map((d) => (
            <label key={d} className="check">
              <input
                type="checkbox"
                disabled={readOnly}
                checked={days.includes(d)}
                onChange={() =>
                  onChange({ ...data, days: days.includes(d) ? days.filter((x) => x !== d) : [...days, d] })
                }
              />
              {d}
            </label>
          ))}
        </div>
      </Field>
      <Field label="Time zone" hint="IANA name, e.g. Europe/London">
        <Text
          testId="form-timezone"
          value={data.timeZone ?? 'UTC'}
          readOnly={readOnly}
          onChange={(v) => onChange({ ...data, timeZone: v })}
        />
      </Field>
    </>
  );
}

export const scheduleSpec: EditorNodeSpec = {
  color: '#059669',
  icon: '◷',
  summary: (d) =>
    [
      d.after ? `after ${d.after}` : '',
      d.before ? `before ${d.before}` : '',
      Array.isArray(d.days) && d.days.length ? (d.days as string[]).join(' ') : '',
    ]
      .filter(Boolean)
      .join(', ') || 'set a window',
  Form: ScheduleForm,
};
