/** Small labelled form controls shared by the node forms. */
import type { ReactNode } from 'react';

export function Field(props: { label: string; hint?: string; children: ReactNode }) {
  return (
    <label className="field">
      <span className="field-label">{props.label}</span>
      {props.children}
      {props.hint ? <span className="field-hint">{props.hint}</span> : null}
    </label>
  );
}

export function Text(props: {
  value: unknown;
  onChange(v: string): void;
  testId: string;
  placeholder?: string;
  readOnly: boolean;
  list?: string;
}) {
  return (
    <input
      data-testid={props.testId}
      value={props.value === undefined || props.value === null ? '' : String(props.value)}
      placeholder={props.placeholder}
      readOnly={props.readOnly}
      list={props.list}
      onChange={(e) => props.onChange(e.target.value)}
    />
  );
}

/** A select over typed options: `onChange` receives one of the option values. */
export function Select<V extends string>(props: {
  value: unknown;
  options: readonly (V | { value: V; label: string })[];
  onChange(v: V): void;
  testId: string;
  readOnly: boolean;
}) {
  return (
    <select
      data-testid={props.testId}
      value={String(props.value ?? '')}
      disabled={props.readOnly}
      onChange={(e) => props.onChange(e.target.value as V)}
    >
      {props.options.map((o) => {
        const opt = typeof o === 'string' ? { value: o, label: o } : o;
        return (
          <option key={opt.value} value={opt.value}>
            {opt.label}
          </option>
        );
      })}
    </select>
  );
}
