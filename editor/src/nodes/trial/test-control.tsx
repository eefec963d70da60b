/**
 * The Test tab's meter state for a trial node: uses left (allowed) or used up (exhausted), set directly or from a
 * number of uses so far compared with the allowance.
 */
import type { TestControlProps, TestControlSpec } from '../spec';

function TrialTestControl({ node, state, onState }: TestControlProps<'trial'>) {
  const allowance = Number(node.data.allowance);
  const set = (meter: 'allowed' | 'exhausted') => onState({ trials: { ...state.trials, [node.id]: meter } });
  return (
    <div className="field">
      <span className="field-label" id={`meter-${node.id}`}>
        Meter of {node.name}
        {Number.isFinite(allowance) ? ` (allowance ${allowance})` : ''}
      </span>
      <div className="inline">
        <select
          aria-labelledby={`meter-${node.id}`}
          data-testid={`test-trial-${node.id}`}
          value={state.trials[node.id] ?? 'allowed'}
          onChange={(e) => set(e.target.value as 'allowed' | 'exhausted')}
        >
          <option value="allowed">uses left (allowed)</option>
          <option value="exhausted">used up (exhausted)</option>
        </select>
        <input
          type="number"
          min={0}
          aria-label={`uses so far of ${node.name}`}
          data-testid={`test-trial-uses-${node.id}`}
          placeholder="uses so far"
          onChange={(e) => {
            const used = Number(e.target.value);
            if (e.target.value === '' || !Number.isFinite(used) || !Number.isFinite(allowance)) return;
            set(used >= allowance ? 'exhausted' : 'allowed');
          }}
        />
      </div>
    </div>
  );
}

export const trialTestControl: TestControlSpec<'trial'> = {
  shows: () => true,
  Control: TrialTestControl,
};
