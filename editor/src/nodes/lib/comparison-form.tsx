/**
 * Comparison controls shared by every node that compares a property: the operator, the value(s) and their type.
 * `OperatorValueFields` is one comparison (used by the JWT Token and Request forms, each switch case and each row of
 * a conditions node); `ComparisonForm` adds the property for the single-comparison nodes (like Zephr's JWT node).
 */
import { OPERATOR_LABELS, OPERATORS, type Operator, operandKind } from '../../../../engine';
import { Field, Select, Text } from '../fields';
import type { FormProps } from '../spec';

type Scalar = string | number | boolean;
type ValueType = 'text' | 'number' | 'boolean';

function typeOf(value: unknown): ValueType {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'text';
}

function convert(raw: string, type: ValueType): Scalar {
  if (type === 'number') {
    const n = Number(raw);
    return raw.trim() !== '' && Number.isFinite(n) ? n : raw;
  }
  if (type === 'boolean') return raw.trim().toLowerCase() === 'true';
  return raw;
}

function splitList(raw: string, type: ValueType): Scalar[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => convert(s, type));
}

export interface OperatorValueProps {
  operator: Operator;
  /** One value, or a list (list operators, or `alwaysList`). */
  value: unknown;
  /** The value is always a list, any of which matches (switch cases); else a list only for list operators. */
  alwaysList?: boolean;
  /** The new operator and value; `value` is undefined when the operator takes none. */
  onChange(next: { operator: Operator; value: Scalar | Scalar[] | undefined }): void;
  /** The `data-testid` of each control. */
  testIds: { operator: string; value: string; type: string };
  valueLabel?: string;
  readOnly: boolean;
}

/** Operator, value and value type of one comparison. */
export function OperatorValueFields(props: OperatorValueProps) {
  const { operator, value, readOnly, testIds } = props;
  const kind = operandKind(operator);
  const list = props.alwaysList === true || kind === 'list';
  const type = typeOf(value);
  const shown = Array.isArray(value) ? value.join(', ') : value;
  const parse = (raw: string, t: ValueType) => (list ? splitList(raw, t) : convert(raw, t));
  return (
    <>
      <Field label="Condition">
        <Select
          testId={testIds.operator}
          value={operator}
          readOnly={readOnly}
          options={OPERATORS.map((o) => ({ value: o, label: OPERATOR_LABELS[o] }))}
          onChange={(v) => {
            const next = v as Operator;
            const none = operandKind(next) === 'none';
            props.onChange({
              operator: next,
              value: none ? (props.alwaysList ? [] : undefined) : (value as Scalar | Scalar[] | undefined),
            });
          }}
        />
      </Field>
      {kind === 'none' ? null : (
        <>
          <Field
            label={props.valueLabel ?? 'Value'}
            hint={
              props.alwaysList
                ? 'separate values with commas; any of them matches'
                : list
                  ? 'separate values with commas'
                  : undefined
            }
          >
            <Text
              testId={testIds.value}
              value={shown}
              readOnly={readOnly}
              onChange={(v) => props.onChange({ operator, value: parse(v, type) })}
            />
          </Field>
          <Field label="Value type">
            <Select
              testId={testIds.type}
              value={type}
              readOnly={readOnly}
              options={[
                { value: 'text', label: 'Text' },
                { value: 'number', label: 'Number' },
                { value: 'boolean', label: 'True / false' },
              ]}
              onChange={(t) => props.onChange({ operator, value: parse(String(shown ?? ''), t as ValueType) })}
            />
          </Field>
        </>
      )}
    </>
  );
}

/** Property, operator and value of the single-comparison kinds (JWT Token, Request). */
export function ComparisonForm(
  props: FormProps<'jwtClaim' | 'request'> & {
    propertyLabel: string;
    propertyOptions?: string[];
    propertyHint: string;
  },
) {
  const { data, onChange, readOnly } = props;
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
      <OperatorValueFields
        operator={data.operator ?? 'equals'}
        value={data.value}
        readOnly={readOnly}
        testIds={{ operator: 'form-operator', value: 'form-value', type: 'form-value-type' }}
        onChange={({ operator, value }) => {
          const next = { ...data, operator, value };
          if (value === undefined) delete next.value;
          onChange(next);
        }}
      />
    </>
  );
}
