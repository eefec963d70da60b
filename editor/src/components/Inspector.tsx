/** Settings of the selected node: the node kind's own form from the editor registry. */

import type { NodeKind } from '../../../engine/nodes/kinds';
import { NODE_REGISTRY } from '../../../engine/nodes/registry';
import type { Problem, Product } from '../api/client';
import { EDITOR_NODES } from '../nodes/registry';
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
  const { __view, ...data } = node.data as Record<string, unknown>;
  return (
    <div className="inspector" data-testid="inspector">
      <h3>
        <span className="cf-icon">{spec.icon}</span> {NODE_REGISTRY[kind].label} <code>{node.id}</code>
      </h3>
      <p className="muted small">{NODE_REGISTRY[kind].description}</p>
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
      {own.length ? (
        <ul className="problems compact">
          {own.map((p, i) => (
            <li key={i} className={p.severity}>
              {p.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
