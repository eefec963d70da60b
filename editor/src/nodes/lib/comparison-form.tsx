/** The Property / Condition / Value form shared by the JWT Token and Request nodes (like Zephr's JWT node). */
import { OPERATOR_LABELS, OPERATORS, operandKind } from '../../../../engine/nodes/lib/compare';
import { Field, Select, Text } from '../fields';
import type { FormProps } from '../spec';

type ValueType = 'text' | 'number' | 'boolean';

function typeOf(value: unknown): ValueType {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'text';
}

function convert(raw: string, type: ValueType): string | number | boolean {
  if (type === 'number') {
    const n = Number(raw);
    return raw.trim() !== '' && Number.isFinite(n) ? n : raw;
  }
  if (type === 'boolean') return raw.trim().toLowerCase() === 'true';
  return raw;
}

export function ComparisonForm(
  props: FormProps & { propertyLabel: string; propertyOptions?: string[]; propertyHint: string },
) {
  const { data, onChange, readOnly } = props;
  const operator = String(data.operator ?? 'equals') as (typeof OPERATORS)[number];
  const kind = operandKind(operator);
  const type = typeOf(data.value);
  const shown = Array.isArray(data.value) ? data.value.join(', ') : data.value;
  const setValue = (raw: string, t: ValueType = type) => {
    if (kind === 'list')
      onChange({
        ...data,
        value: raw
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '')
          .map((s) => convert(s, t)),
      });
    else onChange({ ...data, value: convert(raw, t) });
  };
  return (
    <>
      <Field label={props.propertyLabel} hint={props.propertyHint}>
        <Text
          testId="form-property"
          value={data.property}
          placeholder="e.g. state or org.plan"
          list={props.propertyOptions ? 'property-options' : undefined}
          readOnly={readOnly}
          onChange={(v) => onChange({ ...data, property: v })}
        />
        {props.propertyOptions ? (
          <datalist id="property-options">
            {props.propertyOptions.map((p) => (
              <option key={p} value={p} />
            ))}
          </datalist>
        ) : null}
      </Field>
      <Field label="Condition">
        <Select
          testId="form-operator"
          value={operator}
          readOnly={readOnly}
          options={OPERATORS.map((o) => ({ value: o, label: OPERATOR_LABELS[o] }))}
          onChange={(v) => {
            const next: Record<string, unknown> = { ...data, operator: v };
            if (operandKind(v as typeof operator) === 'none') delete next.value;
            onChange(next);
          }}
        />
      </Field>
      {kind === 'none' ? null : (
        <>
          <Field label="Value" hint={kind === 'list' ? 'separate values with commas' : undefined}>
            <Text testId="form-value" value={shown} readOnly={readOnly} onChange={(v) => setValue(v)} />
          </Field>
          <Field label="Value type">
            <Select
              testId="form-value-type"
              value={type}
              readOnly={readOnly}
              options={[
                { value: 'text', label: 'Text' },
                { value: 'number', label: 'Number' },
                { value: 'boolean', label: 'True / false' },
              ]}
              onChange={(t) => setValue(String(shown ?? ''), t as ValueType)}
            />
          </Field>
        </>
      )}
    </>
  );
}
