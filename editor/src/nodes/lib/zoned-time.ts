/** Time zones from the platform (`Intl.supportedValuesOf`) and wall-clock <-> instant conversion in a zone. */

export function timeZones(): string[] {
  const list = (Intl as unknown as { supportedValuesOf?(k: string): string[] }).supportedValuesOf?.('timeZone') ?? [];
  return list.includes('UTC') ? list : ['UTC', ...list];
}

/** The browser's own time zone (a good default for a new node). */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

function parts(ms: number, timeZone: string): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(ms))
      .map((x) => [x.type, x.value]),
  );
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

/** ISO instant -> `YYYY-MM-DDTHH:mm` on the wall clock of `timeZone` (for a datetime-local input); '' if unreadable. */
export function isoToZoned(iso: unknown, timeZone: string): string {
  const ms = typeof iso === 'string' ? Date.parse(iso) : Number.NaN;
  if (!Number.isFinite(ms)) return '';
  try {
    return parts(ms, timeZone);
  } catch {
    return new Date(ms).toISOString().slice(0, 16);
  }
}

/** `YYYY-MM-DDTHH:mm` on the wall clock of `timeZone` -> ISO instant (UTC, `Z`); null if unreadable. */
export function zonedToIso(local: string, timeZone: string): string | null {
  const guess = Date.parse(`${local}:00Z`);
  if (!Number.isFinite(guess)) return null;
  try {
    let t = guess;
    for (let i = 0; i < 2; i++) t = guess - (Date.parse(`${parts(t, timeZone)}:00Z`) - t);
    return new Date(t).toISOString().replace('.000Z', 'Z');
  } catch {
    return new Date(guess).toISOString().replace('.000Z', 'Z');
  }
}
