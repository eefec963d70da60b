/** A wall-clock time and its IANA zone, as the API takes them (`at` + `timeZone`): scheduled changes, go-live times. */
import { TimeZoneSelect } from './TimeZoneSelect';

export function WallClockInputs(props: {
  label: string;
  value: { at: string; timeZone: string };
  onChange(value: { at: string; timeZone: string }): void;
  /** data-testid prefix: `<prefix>-at` and `<prefix>-zone`. */
  testId: string;
}) {
  const { value, onChange } = props;
  return (
    <>
      <label>
        {props.label}
        <input
          type="datetime-local"
          data-testid={`${props.testId}-at`}
          value={value.at}
          onChange={(e) => onChange({ ...value, at: e.target.value })}
        />
      </label>
      <label>
        Time zone
        <TimeZoneSelect
          testId={`${props.testId}-zone`}
          value={value.timeZone}
          onChange={(timeZone) => onChange({ ...value, timeZone })}
        />
      </label>
    </>
  );
}
