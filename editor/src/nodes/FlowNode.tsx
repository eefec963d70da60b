/** One node on the canvas: title, summary, a target handle on top and one labelled source handle per branch. */
import { Handle, type NodeProps, Position, useUpdateNodeInternals } from '@xyflow/react';
import { memo, useEffect } from 'react';
import type { NodeKind } from '../../../engine/nodes/kinds';
import { NODE_REGISTRY } from '../../../engine/nodes/registry';
import { branchesOf } from './branches';
import { EDITOR_NODES } from './registry';

export interface NodeView {
  /** on the tested path */
  onPath?: boolean;
  problem?: 'error' | 'warning';
  change?: 'added' | 'removed' | 'changed' | 'same';
  changedFields?: string[];
}

function FlowNodeImpl({ id, type, data, selected }: NodeProps) {
  const kind = type as NodeKind;
  const spec = EDITOR_NODES[kind];
  const def = NODE_REGISTRY[kind];
  const d = data as Record<string, unknown> & { __view?: NodeView };
  const view = d.__view ?? {};
  const branches = branchesOf(kind, d);
  // Branch handles come and go with the data (bucket ids, switch case labels): xyflow must re-measure them, or a
  // renamed handle cannot be connected.
  const updateNodeInternals = useUpdateNodeInternals();
  const branchKey = branches.join('\u0000');
  useEffect(() => {
    void branchKey;
    updateNodeInternals(id);
  }, [id, branchKey, updateNodeInternals]);
  const classes = [
    'cf-node',
    selected ? 'selected' : '',
    view.onPath ? 'on-path' : '',
    view.problem ? `has-${view.problem}` : '',
    view.change && view.change !== 'same' ? `diff-${view.change}` : '',
  ].join(' ');
  return (
    <div className={classes} data-testid={`node-${id}`} style={{ ['--accent' as string]: spec?.color ?? '#475569' }}>
      {kind !== 'start' ? <Handle type="target" position={Position.Top} className="cf-target" /> : null}
      <div className="cf-node-title">
        <span className="cf-icon">{spec?.icon}</span> {def?.label ?? type}
        <span className="cf-node-id">{id}</span>
      </div>
      <div className="cf-node-summary">{spec?.summary(d) ?? ''}</div>
      {view.change === 'changed' && view.changedFields?.length ? (
        <div className="cf-node-changes">changed: {view.changedFields.join(', ')}</div>
      ) : null}
      {kind === 'start' ? (
        <Handle type="source" position={Position.Bottom} className="cf-source" />
      ) : branches.length > 0 ? (
        <div className="cf-branches">
          {branches.map((b) => (
            <div className="cf-branch" key={b}>
              <span className="cf-branch-label">{b}</span>
              <Handle
                type="source"
                id={b}
                position={Position.Bottom}
                className="cf-source"
                data-testid={`handle-${id}-${b}`}
              />
            </div>
          ))}
        </div>
      ) : null}
    </div>
  );
}

export const FlowNode = memo(FlowNodeImpl);
