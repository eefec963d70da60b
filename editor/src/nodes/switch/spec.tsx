/** Switch: one claim or request property, ordered cases (operator, values, branch label), then `default`. */
import { OPERATOR_LABELS, OPERATORS, type Operator, operandKind } from '../../../../engine/nodes/lib/compare';
import { Field, Select, Text } from '../fields';
import type { EditorNodeSpec, FormProps } from '../spec';

interface Case {
  operator: Operator;
  values: (string | number | boolean)[];
  branch: string;
}

type ValueType = 'text' | 'number' | 'boolean';

function typeOf(values: unknown[]): ValueType {
  const v = values[0];
  return typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'text';
}

function parseValues(raw: string, type: ValueType): (string | number | boolean)[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      if (type === 'number') return Number.isFinite(Number(s)) ? Number(s) : s;
      if (type === 'boolean') return s.toLowerCase() === 'true';
      return s;
    });
}

function SwitchForm({ data, onChange, readOnly }: FormProps) {
  const cases = (Array.isArray(data.cases) ? data.cases : []) as Case[];
  const update = (i: number, patch: Partial<Case>) =>
    onChange({ ...data, cases: cases.map((c, j) => (i === j ? { ...c, ...patch } : c)) });
  return (
    <>
      <Field label="Source">
        <Select
          testId="form-source"
          value={data.source ?? 'claim'}
          readOnly={readOnly}
          options={[
            { value: 'claim', label: 'JWT claim' },
            { value: 'request', label: 'Request property' },
          ]}
          onChange={(v) => onChange({ ...data, source: v })}
        />
      </Field>
      <Field label="Property" hint="a claim path (org.plan) or a request property (device, query.<name>)">
        <Text
          testId="form-property"
          value={data.property}
          placeholder="e.g. state"
          readOnly={readOnly}
          onChange={(v) => onChange({ ...data, property: v })}
        />
      </Field>
      <div className="cases" data-testid="form-cases">
        {cases.map((c, i) => {
          const kind = operandKind(c.operator);
          const type = typeOf(c.values);
          return (
            <fieldset className="case" key={i} data-testid={`form-case-${i}`}>
              <legend>Case {i + 1}</legend>
              <Field label="Condition">
                <Select
                  testId={`form-case-operator-${i}`}
                  value={c.operator}
                  readOnly={readOnly}
                  options={OPERATORS.map((o) => ({ value: o, label: OPERATOR_LABELS[o] }))}
                  onChange={(v) =>
                    update(i, {
                      operator: v as Operator,
                      values: operandKind(v as Operator) === 'none' ? [] : c.values,
                    })
                  }
                />
              </Field>
              {kind === 'none' ? null : (
                <>
                  <Field label="Values" hint="separate values with commas; any of them matches">
                    <Text
                      testId={`form-case-values-${i}`}
                      value={c.values.join(', ')}
                      readOnly={readOnly}
                      onChange={(v) => update(i, { values: parseValues(v, type) })}
                    />
                  </Field>
                  <Field label="Value type">
                    <Select
                      testId={`form-case-type-${i}`}
                      value={type}
                      readOnly={readOnly}
                      options={[
                        { value: 'text', label: 'Text' },
                        { value: 'number', label: 'Number' },
                        { value: 'boolean', label: 'True / false' },
                      ]}
                      onChange={(t) => update(i, { values: parseValues(c.values.join(','), t as ValueType) })}
                    />
                  </Field>
                </>
              )}
              <Field label="Branch label">
                <Text
                  testId={`form-case-branch-${i}`}
                  value={c.branch}
                  readOnly={readOnly}
                  onChange={(v) => update(i, { branch: v })}
                />
              </Field>
              {readOnly ? null : (
                <button
                  className="link"
                  data-testid={`form-case-remove-${i}`}
                  onClick={() => onChange({ ...data, cases: cases.filter((_, j) => j !== i) })}
                >
                  Remove case
                </button>
              )}
            </fieldset>
          );
        })}
      </div>
      {readOnly ? null : (
        <button
          data-testid="form-case-add"
          onClick={() =>
            onChange({
              ...data,
              cases: [...cases, { operator: 'equals', values: [''], branch: `case${cases.length + 1}` }],
            })
          }
        >
          Add case
        </button>
      )}
      <p className="field-hint">Visitors no case matches take the "default" branch.</p>
    </>
  );
}

export const switchSpec: EditorNodeSpec = {
  color: '#9333ea',
  icon: '≡',
  summary: (d) => {
    const cases = (Array.isArray(d.cases) ? d.cases : []) as Case[];
    return d.property
      ? `${d.source ?? 'claim'} ${String(d.property)}: ${cases.length} case(s) + default`
      : 'set a property';
  },
  Form: SwitchForm,
};
