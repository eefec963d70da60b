/** Switch: one claim or request property, ordered cases (operator, values, branch label), then `default`. */
import type { NodeData } from '../../../../engine';
import { Field, Select, Text } from '../fields';
import { OperatorValueFields } from '../lib/comparison-form';
import type { EditorNodeSpec, FormProps } from '../spec';

type Case = NodeData<'switch'>['cases'][number];

function SwitchForm({ data, onChange, readOnly }: FormProps<'switch'>) {
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
          return (
            <fieldset className="case" key={i} data-testid={`form-case-${i}`}>
              <legend>Case {i + 1}</legend>
              <OperatorValueFields
                operator={c.operator}
                value={c.values}
                alwaysList
                valueLabel="Values"
                readOnly={readOnly}
                testIds={{
                  operator: `form-case-operator-${i}`,
                  value: `form-case-values-${i}`,
                  type: `form-case-type-${i}`,
                }}
                onChange={({ operator, value }) =>
                  update(i, { operator, values: Array.isArray(value) ? value : value === undefined ? [] : [value] })
                }
              />
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

export const switchSpec: EditorNodeSpec<'switch'> = {
  color: '#9333ea',
  icon: '≡',
  summary: (d) => {
    const cases = (Array.isArray(d.cases) ? d.cases : []) as Case[];
    return d.property
      ? `${d.source ?? 'claim'} ${String(d.property)}: ${cases.length} case(s) + default`
      : 'set a property';
  },
  Form: SwitchForm,
  controls: { source: 'form-source', property: 'form-property', cases: 'form-cases' },
};
