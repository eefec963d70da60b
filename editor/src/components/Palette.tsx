/** The palette: every node type, dragged onto the canvas, or (keyboard) Enter adds it at the view's centre. */
import { NODE_KINDS, NODE_REGISTRY, type NodeKind } from '../../../engine';
import { EDITOR_NODES } from '../nodes/registry';
import { isEntryKind } from '../nodes/roles';

export const DRAG_TYPE = 'application/claimflow-node';

export function Palette({ disabled, onAdd }: { disabled: boolean; onAdd(kind: NodeKind): void }) {
  return (
    // While read-only the items are disabled, so the scrollable palette itself takes focus (keyboard scrolling).
    <aside className="palette" aria-label="Node palette" tabIndex={disabled ? 0 : undefined}>
      <h4>Nodes</h4>
      {NODE_KINDS.filter((k) => !isEntryKind(k)).map((kind) => (
        <button
          type="button"
          key={kind}
          className={`palette-item${disabled ? ' disabled' : ''}`}
          data-testid={`palette-${kind}`}
          draggable={!disabled}
          disabled={disabled}
          onClick={() => onAdd(kind)}
          title={NODE_REGISTRY[kind].description}
          style={{ ['--accent' as string]: EDITOR_NODES[kind].color }}
          onDragStart={(e) => {
            e.dataTransfer.setData(DRAG_TYPE, kind);
            e.dataTransfer.effectAllowed = 'move';
          }}
        >
          <span className="cf-icon" aria-hidden="true">
            {EDITOR_NODES[kind].icon}
          </span>
          <span>
            <strong>{NODE_REGISTRY[kind].label}</strong>
            <small>{NODE_REGISTRY[kind].description}</small>
          </span>
        </button>
      ))}
      <p className="muted small">
        Drag a node onto the canvas (or focus it and press Enter), then connect a labelled branch to the next node.
      </p>
    </aside>
  );
}
