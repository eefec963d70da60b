import { useState } from 'react';
import { Field, Text } from '../fields';
import type { EditorNodeSpec, FormProps } from '../spec';

function OutcomeForm({ data, onChange, decisions, readOnly }: FormProps<'outcome'>) {
  const [payloadText, setPayloadText] = useState(
    data.payload === undefined ? '' : JSON.stringify(data.payload, null, 2),
  );
  const [payloadError, setPayloadError] = useState<string | null>(null);
  return (
    <>
      <Field label="Decision" hint="what the site is told, e.g. paywall, registrationWall, fullArticle">
        <Text
          testId="form-decision"
          value={data.decision}
          list="decision-names"
          readOnly={readOnly}
          onChange={(v) => onChange({ ...data, decision: v })}
        />
        <datalist id="decision-names">
          {decisions.map((d) => (
            <option key={d} value={d} />
          ))}
        </datalist>
      </Field>
      <Field label="Payload (JSON, optional)" hint={payloadError ?? 'sent to the site with the decision'}>
        <textarea
          data-testid="form-payload"
          rows={5}
          value={payloadText}
          readOnly={readOnly}
          className={payloadError ? 'invalid' : undefined}
          onChange={(e) => {
            const text = e.target.value;
            setPayloadText(text);
            if (text.trim() === '') {
              setPayloadError(null);
              const { payload, ...rest } = data;
              onChange(rest);
              return;
            }
            try {
              onChange({ ...data, payload: JSON.parse(text) });
              setPayloadError(null);
            } catch {
              setPayloadError('this is not valid JSON yet');
            }
          }}
        />
      </Field>
    </>
  );
}

export const outcomeSpec: EditorNodeSpec<'outcome'> = {
  color: '#16a34a',
  icon: '■',
  summary: (d) => (d.decision ? String(d.decision) : 'name the decision'),
  Form: OutcomeForm,
  controls: { decision: 'form-decision', payload: 'form-payload' },
};
