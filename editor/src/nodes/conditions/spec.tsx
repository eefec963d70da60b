/** Conditions: several comparisons (claim or request property, operator, value) combined with all / any. */
import { OPERATOR_LABELS, OPERATORS, type Operator, operandKind } from '../../../../engine/nodes/lib/compare';
import { Field, Select, Text } from '../fields';
import type { EditorNodeSpec, FormProps } from '../spec';

interface Comparison {
  source: 'claim' | 'request';
  property: string;
  operator: Operator;
  value?: unknown;
}

type ValueType = 'text' | 'number' | 'boolean';

function typeOf(value: unknown): ValueType {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'text';
}

function convert(raw: string, type: ValueType): string | number | boolean {
  if (type === 'number') return raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  if (type === 'boolean') return raw.trim().toLowerCase() === 'true';
  return raw;
}

function operand(raw: string, operator: Operator, type: ValueType): unknown {
  if (operandKind(operator) !== 'list') return convert(raw, type);
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => convert(s, type));
}

function ConditionsForm({ data, onChange, readOnly }: FormProps) {
  const rows = (Array.isArray(data.conditions) ? data.conditions : []) as Comparison[];
  const update = (i: number, next: Comparison) =>
    onChange({ ...data, conditions: rows.map((c, j) => (i === j ? next : c)) });
  return (
    <>
      <Field label="Match">
        <Select
          testId="form-match"
          value={data.match ?? 'all'}
          readOnly={readOnly}
          options={[
            { value: 'all', label: 'all conditions hold (AND)' },
            { value: 'any', label: 'any condition holds (OR)' },
          ]}
          onChange={(v) => onChange({ ...data, match: v })}
        />
      </Field>
      <div className="conditions" data-testid="form-conditions">
        {rows.map((c, i) => {
          const kind = operandKind(c.operator);
          const type = typeOf(c.value);
          const shown = Array.isArray(c.value) ? c.value.join(', ') : c.value;
          return (
            <fieldset className="condition" key={i} data-testid={`form-condition-${i}`}>
              <legend>Condition {i + 1}</legend>
              <Field label="Source">
                <Select
                  testId={`form-condition-source-${i}`}
                  value={c.source}
                  readOnly={readOnly}
                  options={[
                    { value: 'claim', label: 'JWT claim' },
                    { value: 'request', label: 'Request property' },
                  ]}
                  onChange={(v) => update(i, { ...c, source: v as Comparison['source'] })}
                />
              </Field>
              <Field label="Property">
                <Text
                  testId={`form-condition-property-${i}`}
                  value={c.property}
                  placeholder="e.g. org.plan or device"
                  readOnly={readOnly}
                  onChange={(v) => update(i, { ...c, property: v })}
                />
              </Field>
              <Field label="Condition">
                <Select
                  testId={`form-condition-operator-${i}`}
                  value={c.operator}
                  readOnly={readOnly}
                  options={OPERATORS.map((o) => ({ value: o, label: OPERATOR_LABELS[o] }))}
                  onChange={(v) => {
                    const next: Comparison = { ...c, operator: v as Operator };
                    if (operandKind(next.operator) === 'none') delete next.value;
                    update(i, next);
                  }}
                />
              </Field>
              {kind === 'none' ? null : (
                <>
                  <Field label="Value" hint={kind === 'list' ? 'separate values with commas' : undefined}>
                    <Text
                      testId={`form-condition-value-${i}`}
                      value={shown}
                      readOnly={readOnly}
                      onChange={(v) => update(i, { ...c, value: operand(v, c.operator, type) })}
                    />
                  </Field>
                  <Field label="Value type">
                    <Select
                      testId={`form-condition-type-${i}`}
                      value={type}
                      readOnly={readOnly}
                      options={[
                        { value: 'text', label: 'Text' },
                        { value: 'number', label: 'Number' },
                        { value: 'boolean', label: 'True / false' },
                      ]}
                      onChange={(t) =>
                        update(i, { ...c, value: operand(String(shown ?? ''), c.operator, t as ValueType) })
                      }
                    />
                  </Field>
                </>
              )}
              {readOnly ? null : (
                <button
                  className="link"
                  data-testid={`form-condition-remove-${i}`}
                  onClick={() => onChange({ ...data, conditions: rows.filter((_, j) => j !== i) })}
                >
                  Remove condition
                </button>
              )}
            </fieldset>
          );
        })}
      </div>
      {readOnly ? null : (
        <button
          data-testid="form-condition-add"
          onClick={() =>
            onChange({
              ...data,
              conditions: [...rows, { source: 'claim', property: '', operator: 'equals', value: '' }],
            })
          }
        >
          Add condition
        </button>
      )}
    </>
  );
}

export const conditionsSpec: EditorNodeSpec = {
  color: '#0d9488',
  icon: '∧',
  summary: (d) => {
    const rows = (Array.isArray(d.conditions) ? d.conditions : []) as Comparison[];
    const named = rows.filter((r) => r.property).map((r) => r.property);
    return named.length ? `${d.match === 'any' ? 'any of' : 'all of'} ${named.join(', ')}` : 'add conditions';
  },
  Form: ConditionsForm,
};
