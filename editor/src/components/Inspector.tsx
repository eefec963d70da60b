/** Settings of the selected node: its name, then the node kind's own form from the editor registry. */

import { NODE_REGISTRY, type NodeKind } from '../../../engine';
import type { Problem, Product } from '../api/client';
import { displayName } from '../lib/node-names';
import { Field } from '../nodes/fields';
import { EDITOR_NODES } from '../nodes/registry';
import { isEntryKind } from '../nodes/roles';
import type { FlowNode } from '../store/graph-history';

export function Inspector(props: {
  node: FlowNode | null;
  problems: Problem[];
  products: Product[];
  decisions: string[];
  readOnly: boolean;
  onChange(id: string, data: Record<string, unknown>): void;
}) {
  const { node } = props;
  if (!node) return <p className="muted">Select a node to edit its settings, or drag one from the palette.</p>;
  const kind = node.type as NodeKind;
  const spec = EDITOR_NODES[kind];
  const Form = spec.Form;
  const own = props.problems.filter((p) => p.nodeId === node.id);
  const data = node.data as Record<string, unknown>;
  return (
    <div className="inspector" data-testid="inspector">
      <h3>
        <span className="cf-icon" aria-hidden="true">
          {spec.icon}
        </span>{' '}
        {displayName(node)} <code>{node.id}</code>
      </h3>
      <p className="muted small">{NODE_REGISTRY[kind].description}</p>
      {own.length ? (
        <ul className="problems compact" data-testid="inspector-problems">
          {own.map((p, i) => (
            <li key={i} className={p.severity}>
              {p.message}
            </li>
          ))}
        </ul>
      ) : null}
      {!isEntryKind(kind) ? (
        <Field label="Name" hint="shown on the canvas, in problems, tests, replays and diffs">
          <input
            data-testid="form-name"
            value={typeof data.name === 'string' ? data.name : ''}
            readOnly={props.readOnly}
            placeholder={NODE_REGISTRY[kind].label}
            onChange={(e) => {
              const { name: _old, ...rest } = data;
              props.onChange(node.id, e.target.value ? { ...rest, name: e.target.value } : rest);
            }}
          />
        </Field>
      ) : null}
      {Form ? (
        <Form
          key={node.id}
          data={data}
          products={props.products}
          decisions={props.decisions}
          readOnly={props.readOnly}
          onChange={(d) => props.onChange(node.id, d)}
        />
      ) : (
        <p className="muted">This node has no settings.</p>
      )}
    </div>
  );
}
