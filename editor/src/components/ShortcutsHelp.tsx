/** The keyboard shortcuts, shown with `?`. */
import type { Shortcut } from '../hooks/useShortcuts';

const pretty = (keys: string) =>
  keys
    .split('+')
    .map((k) => (k === 'mod' ? 'Ctrl/⌘' : k === 'shift' ? 'Shift' : k === 'escape' ? 'Esc' : k.toUpperCase()))
    .join(' + ');

export function ShortcutsHelp({ shortcuts, onClose }: { shortcuts: Shortcut[]; onClose(): void }) {
  return (
    <div className="dialog-backdrop">
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="shortcuts-title" data-testid="shortcuts">
        <h3 id="shortcuts-title">Keyboard shortcuts</h3>
        <table className="table">
          <tbody>
            {shortcuts.map((s) => (
              <tr key={s.keys}>
                <td>
                  <kbd>{pretty(s.keys)}</kbd>
                </td>
                <td>{s.description}</td>
              </tr>
            ))}
            <tr>
              <td>
                <kbd>Delete</kbd>
              </td>
              <td>Delete the selected nodes or edges</td>
            </tr>
            <tr>
              <td>
                <kbd>Enter</kbd> on a palette item
              </td>
              <td>Add that node at the centre of the view</td>
            </tr>
          </tbody>
        </table>
        <div className="dialog-actions">
          <button autoFocus onClick={onClose} data-testid="shortcuts-close">
            Close
          </button>
        </div>
      </div>
    </div>
  );
}
