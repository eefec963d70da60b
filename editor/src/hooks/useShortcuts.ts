/** Keyboard shortcuts of the editor, active while `enabled`; typing in a field never triggers them. */
import { useEffect, useRef } from 'react';

export interface Shortcut {
  /** e.g. 'mod+z', 'mod+shift+z', '/', '?', 'escape' ('mod' is Ctrl or ⌘) */
  keys: string;
  description: string;
  run(): void;
  /** also while focus is in a text field (e.g. Escape, Ctrl+S) */
  inFields?: boolean;
}

function matches(e: KeyboardEvent, keys: string): boolean {
  const parts = keys.toLowerCase().split('+');
  const key = parts[parts.length - 1];
  const mod = parts.includes('mod');
  const shift = parts.includes('shift');
  if (mod !== (e.ctrlKey || e.metaKey)) return false;
  if (key.length === 1 && !/[a-z0-9]/.test(key)) return e.key === key; // '?' and '/' depend on the layout
  return e.key.toLowerCase() === key && shift === e.shiftKey;
}

function inField(target: EventTarget | null): boolean {
  const t = target as HTMLElement | null;
  return !!t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
}

export function useShortcuts(shortcuts: Shortcut[], enabled = true): void {
  const current = useRef(shortcuts);
  current.current = shortcuts;
  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      const typing = inField(e.target);
      for (const s of current.current) {
        if (!matches(e, s.keys) || (typing && !s.inFields)) continue;
        e.preventDefault();
        s.run();
        return;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [enabled]);
}
