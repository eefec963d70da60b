/** Who is editing: the name given at the last publish, remembered in this browser (until people sign in by name). */
const KEY = 'claimflow.author';

export function currentAuthor(): string {
  return localStorage.getItem(KEY) ?? '';
}

export function rememberAuthor(name: string): void {
  if (name) localStorage.setItem(KEY, name);
}
