/** The time-zone picker for a wall-clock time (schedules, go-live times): every IANA zone the browser knows, and UTC. */
import { useMemo } from 'react';

/** The browser's own zone: the picker's usual starting value. */
export const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

export function TimeZoneSelect(props: { value: string; onChange(zone: string): void; testId?: string }) {
  const zones = useMemo(() => {
    const all = Intl.supportedValuesOf('timeZone');
    return all.includes('UTC') ? all : ['UTC', ...all];
  }, []);
  return (
    <select data-testid={props.testId} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
      {zones.map((z) => (
        <option key={z}>{z}</option>
      ))}
    </select>
  );
}
