/** Conditions: several comparisons (claim or request property, operator, value) combined with all / any. */
import type { NodeData } from '../../../../engine';
import { Field, Select, Text } from '../fields';
import { OperatorValueFields } from '../lib/comparison-form';
import type { EditorNodeSpec, FormProps } from '../spec';

type Comparison = NodeData<'conditions'>['conditions'][number];

function ConditionsForm({ data, onChange, readOnly }: FormProps<'conditions'>) {
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
              <OperatorValueFields
                operator={c.operator}
                value={c.value}
                readOnly={readOnly}
                testIds={{
                  operator: `form-condition-operator-${i}`,
                  value: `form-condition-value-${i}`,
                  type: `form-condition-type-${i}`,
                }}
                onChange={({ operator, value }) => {
                  const next: Comparison = { ...c, operator, value };
                  if (value === undefined) delete next.value;
                  update(i, next);
                }}
              />
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

export const conditionsSpec: EditorNodeSpec<'conditions'> = {
  color: '#0d9488',
  icon: '∧',
  summary: (d) => {
    const rows = (Array.isArray(d.conditions) ? d.conditions : []) as Comparison[];
    const named = rows.filter((r) => r.property).map((r) => r.property);
    return named.length ? `${d.match === 'any' ? 'any of' : 'all of'} ${named.join(', ')}` : 'add conditions';
  },
  Form: ConditionsForm,
  controls: { match: 'form-match', conditions: 'form-conditions' },
};
