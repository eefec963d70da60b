import { Field, Select, Text } from '../fields';
import { timeZones } from '../lib/zoned-time';
import type { EditorNodeSpec, FormProps } from '../spec';
import { trialTestControl } from './test-control';

function TrialForm({ data, onChange, readOnly }: FormProps<'trial'>) {
  return (
    <>
      <Field label="Allowance" hint="uses per period">
        <Text
          testId="form-allowance"
          value={data.allowance}
          readOnly={readOnly}
          onChange={(v) => onChange({ ...data, allowance: Number(v) })}
        />
      </Field>
      <Field
        label="Period"
        hint="rolling: P30D, P1W, PT12H · calendar: calendarDay, calendarWeek, calendarMonth · lifetime"
      >
        <Text
          testId="form-period"
          value={data.period}
          list="trial-periods"
          readOnly={readOnly}
          onChange={(v) => onChange({ ...data, period: v })}
        />
        <datalist id="trial-periods">
          {['P30D', 'P7D', 'calendarDay', 'calendarWeek', 'calendarMonth', 'lifetime'].map((p) => (
            <option key={p} value={p} />
          ))}
        </datalist>
      </Field>
      <Field label="Counting">
        <Select
          testId="form-counting"
          value={data.counting ?? 'uniqueContent'}
          readOnly={readOnly}
          options={[
            { value: 'uniqueContent', label: 'distinct content (re-reading is free)' },
            { value: 'pageViews', label: 'every page view' },
          ]}
          onChange={(v) => onChange({ ...data, counting: v })}
        />
      </Field>
      <Field label="Time zone" hint="where calendar days, weeks and months begin">
        <select
          data-testid="form-timezone"
          value={typeof data.timeZone === 'string' ? data.timeZone : 'UTC'}
          disabled={readOnly}
          onChange={(e) => onChange({ ...data, timeZone: e.target.value })}
        >
          {timeZones().map((z) => (
            <option key={z} value={z}>
              {z}
            </option>
          ))}
        </select>
      </Field>
      <Field label="Tracker" hint="meters with the same tracker share one count across features">
        <Text
          testId="form-tracker"
          value={data.tracker}
          readOnly={readOnly}
          onChange={(v) => onChange({ ...data, tracker: v || undefined })}
        />
      </Field>
    </>
  );
}

export const trialSpec: EditorNodeSpec<'trial'> = {
  color: '#ea580c',
  icon: '◔',
  summary: (d) => `${d.allowance ?? '?'} per ${d.period ?? '?'}${d.counting === 'pageViews' ? ' (views)' : ''}`,
  Form: TrialForm,
  controls: {
    allowance: 'form-allowance',
    period: 'form-period',
    counting: 'form-counting',
    timeZone: 'form-timezone',
    tracker: 'form-tracker',
  },
  testControl: trialTestControl,
};
