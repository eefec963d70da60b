/**
 * One node on the canvas: its name (or kind), summary, a target handle on top and one labelled source handle per
 * branch of its kind. Highlights, problems and diffs come from the canvas view store keyed by the node's id.
 */
import { Handle, type NodeProps, Position, useUpdateNodeInternals } from '@xyflow/react';
import { memo, useEffect } from 'react';
import { isNodeKind, type NodeKind, nodeDefinition } from '../../../engine';
import { givenName } from '../lib/node-names';
import { useNodeView } from '../store/canvas-view';
import { branchesOf } from './branches';
import { EDITOR_NODES } from './registry';

function FlowNodeImpl({ id, type, data, selected }: NodeProps) {
  const kind = type as NodeKind;
  const spec = EDITOR_NODES[kind];
  const def = isNodeKind(kind) ? nodeDefinition(kind) : undefined;
  const d = data as Record<string, unknown>;
  const view = useNodeView(id);
  const branches = branchesOf(kind, d);
  const handleKey = branches.join('\n');
  const updateNodeInternals = useUpdateNodeInternals();
  // New or removed handles (a bucket added) must be measured again before an edge can attach to them.
  // biome-ignore lint/correctness/useExhaustiveDependencies: handleKey is the dependency that matters
  useEffect(() => updateNodeInternals(id), [handleKey, id, updateNodeInternals]);
  const name = givenName({ id, data: d });
  const classes = [
    'cf-node',
    selected ? 'selected' : '',
    view.onPath ? 'on-path' : '',
    view.failing ? 'failing' : '',
    view.problem ? `has-${view.problem}` : '',
    view.match ? 'match' : '',
    view.change && view.change !== 'same' ? `diff-${view.change}` : '',
  ].join(' ');
  return (
    <div className={classes} data-testid={`node-${id}`} style={{ ['--accent' as string]: spec?.color ?? '#475569' }}>
      {!def?.entry ? <Handle type="target" position={Position.Top} className="cf-target" /> : null}
      <div className="cf-node-title">
        <span className="cf-icon" aria-hidden="true">
          {spec?.icon}
        </span>{' '}
        <span className="cf-node-name">{name ?? def?.label ?? type}</span>
        <span className="cf-node-id">{name ? def?.label : id}</span>
      </div>
      <div className="cf-node-summary">{spec?.summary(d) ?? ''}</div>
      {view.seen ? <div className="cf-node-trace">{view.seen}</div> : null}
      {view.change === 'changed' && view.changedFields?.length ? (
        <div className="cf-node-changes">changed: {view.changedFields.join(', ')}</div>
      ) : null}
      {def?.unnamedBranch !== undefined ? (
        <Handle type="source" position={Position.Bottom} className="cf-source" />
      ) : branches.length > 0 ? (
        <div className="cf-branches">
          {branches.map((b) => (
            <div className="cf-branch" key={b}>
              <span className="cf-branch-label">{spec?.branchLabel?.(d, b) ?? b}</span>
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
