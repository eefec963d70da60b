/** Picks entitlements from the catalogue (as a tree, by name); ids not in the catalogue are shown as unknown. */
import type { Entitlement } from '../api/client';

export function EntitlementPicker(props: {
  entitlements: Entitlement[];
  value: string[];
  onChange(ids: string[]): void;
  legend: string;
  testId: string;
  disabled?: boolean;
}) {
  const depth = (e: Entitlement): number => {
    let d = 0;
    let p = e.parentId;
    while (p && d < 20) {
      d++;
      p = props.entitlements.find((x) => x.id === p)?.parentId ?? null;
    }
    return d;
  };
  const ordered: Entitlement[] = [];
  const walk = (parent: string | null) => {
    for (const e of props.entitlements.filter((x) => x.parentId === parent)) {
      ordered.push(e);
      walk(e.id);
    }
  };
  walk(null);
  const unknown = props.value.filter((id) => !props.entitlements.some((e) => e.id === id));
  const toggle = (id: string) =>
    props.onChange(props.value.includes(id) ? props.value.filter((x) => x !== id) : [...props.value, id]);
  return (
    <fieldset className="checks" data-testid={props.testId}>
      <legend className="field-label">{props.legend}</legend>
      {ordered.length === 0 ? <p className="muted small">The catalogue has no entitlements yet.</p> : null}
      {ordered.map((e) => (
        <label key={e.id} className="check" style={{ paddingLeft: depth(e) * 16 }}>
          <input
            type="checkbox"
            data-testid={`${props.testId}-${e.id}`}
            checked={props.value.includes(e.id)}
            disabled={props.disabled}
            onChange={() => toggle(e.id)}
          />
          {e.name}
        </label>
      ))}
      {unknown.map((id) => (
        <label key={id} className="check error">
          <input type="checkbox" checked disabled={props.disabled} onChange={() => toggle(id)} />
          {id} (not in the catalogue)
        </label>
      ))}
    </fieldset>
  );
}
