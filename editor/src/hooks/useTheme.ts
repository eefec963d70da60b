/** Light or dark: follows the system until the person picks one (remembered); sets `data-theme` on <html>. */
import { useEffect, useState } from 'react';

export type ThemeChoice = 'system' | 'light' | 'dark';
const KEY = 'claimflow.theme';
const query = () => window.matchMedia?.('(prefers-color-scheme: dark)');

export function useTheme() {
  const [choice, setChoice] = useState<ThemeChoice>(() => (localStorage.getItem(KEY) as ThemeChoice) ?? 'system');
  const [systemDark, setSystemDark] = useState(() => query()?.matches ?? false);
  useEffect(() => {
    const q = query();
    if (!q) return;
    const on = (e: MediaQueryListEvent) => setSystemDark(e.matches);
    q.addEventListener('change', on);
    return () => q.removeEventListener('change', on);
  }, []);
  const effective = choice === 'system' ? (systemDark ? 'dark' : 'light') : choice;
  useEffect(() => {
    document.documentElement.dataset.theme = effective;
  }, [effective]);
  const toggle = () => {
    const next: ThemeChoice = effective === 'dark' ? 'light' : 'dark';
    localStorage.setItem(KEY, next);
    setChoice(next);
  };
  return { choice, effective, toggle };
}
