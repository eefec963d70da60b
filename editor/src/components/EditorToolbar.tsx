/**
 * The feature page's toolbar: where the draft stands against live, editing actions, publish. Editing actions show for
 * editors and up, Publish for publishers and up (the server enforces the same roles).
 */
import type { CanvasMode } from '../hooks/useCanvasView';
import { can, usePrincipal } from './session';

export function EditorToolbar(props: {
  title: string;
  publishedVersion: number | null;
  draftDiffers: boolean;
  dirty: boolean;
  mode: CanvasMode;
  canUndo: boolean;
  canRedo: boolean;
  ready: boolean;
  minimap: boolean;
  onBack(): void;
  onBackToDraft(): void;
  onUndo(): void;
  onRedo(): void;
  onLayout(): void;
  onFit(): void;
  onSave(): void;
  onPublish(): void;
  onSearch(): void;
  onHelp(): void;
  onToggleMinimap(): void;
}) {
  const { mode } = props;
  const role = usePrincipal()?.role;
  const canEdit = can(role, 'editor');
  return (
    <div className="toolbar">
      <button className="link" onClick={props.onBack}>
        ← Features
      </button>
      <h2>{props.title}</h2>
      {props.publishedVersion ? (
        <span className="badge live" data-testid="live-version">
          live v{props.publishedVersion}
        </span>
      ) : (
        <span className="badge" data-testid="live-version">
          not published
        </span>
      )}
      {props.dirty ? (
        <span className="badge warn" data-testid="unsaved">
          unsaved changes
        </span>
      ) : null}
      {props.publishedVersion && props.draftDiffers ? (
        <span className="badge warn" data-testid="draft-differs">
          draft differs from live
        </span>
      ) : null}
      <span className="spacer" />
      {mode.kind !== 'edit' ? (
        <>
          <span className="badge info" data-testid="view-mode">
            {mode.kind === 'version'
              ? `viewing v${mode.version} (read-only)`
              : `comparing ${mode.label}: +${mode.diff.summary.added} −${mode.diff.summary.removed} ~${mode.diff.summary.changed}`}
          </span>
          <button data-testid="back-to-draft" onClick={props.onBackToDraft}>
            Back to the draft
          </button>
        </>
      ) : (
        <>
          {canEdit ? (
            <>
              <button data-testid="undo" disabled={!props.canUndo} onClick={props.onUndo} title="Undo (Ctrl+Z)">
                ↶ Undo
              </button>
              <button data-testid="redo" disabled={!props.canRedo} onClick={props.onRedo} title="Redo (Ctrl+Shift+Z)">
                ↷ Redo
              </button>
            </>
          ) : (
            <span className="badge" data-testid="read-only-role">
              read-only ({role})
            </span>
          )}
          <button data-testid="search-open" onClick={props.onSearch} title="Search nodes (Ctrl+F or /)">
            Search
          </button>
          {canEdit ? (
            <>
              <button data-testid="layout" onClick={props.onLayout}>
                Auto-layout
              </button>
              <button data-testid="save-draft" onClick={props.onSave} title="Save (Ctrl+S)">
                Save draft
              </button>
            </>
          ) : null}
          {can(role, 'publisher') ? (
            <button
              className="primary"
              data-testid="publish"
              onClick={props.onPublish}
              title={props.ready ? 'review and publish the draft' : 'fix the problems first'}
            >
              Publish…
            </button>
          ) : null}
        </>
      )}
      <button data-testid="fit" onClick={props.onFit}>
        Fit
      </button>
      <button
        data-testid="minimap-toggle"
        aria-pressed={props.minimap}
        onClick={props.onToggleMinimap}
        title="Show or hide the minimap"
      >
        Minimap
      </button>
      <button data-testid="help" onClick={props.onHelp} aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)">
        ?
      </button>
    </div>
  );
}
