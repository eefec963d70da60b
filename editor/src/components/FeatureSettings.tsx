/** The feature's own settings: name, the entitlements that make a visitor a customer, and the publish gate. */
import { useEffect, useState } from 'react';
import { api, describeError, type Entitlement, type FeatureSummary } from '../api/client';
import { EntitlementPicker } from './EntitlementPicker';
import { can, usePrincipal } from './session';

export function FeatureSettings(props: { feature: FeatureSummary; entitlements: Entitlement[]; onSaved(): void }) {
  const { feature } = props;
  const canEdit = can(usePrincipal()?.role, 'editor');
  const [name, setName] = useState(feature.name);
  const [ents, setEnts] = useState(feature.customerEntitlements);
  const [requireSuite, setRequireSuite] = useState(!!feature.settings?.requireSuite);
  const [status, setStatus] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  useEffect(() => {
    setName(feature.name);
    setEnts(feature.customerEntitlements);
    setRequireSuite(!!feature.settings?.requireSuite);
  }, [feature]);
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setStatus(null);
    try {
      await api('PATCH', `/features/${encodeURIComponent(feature.id)}`, {
        name: name.trim(),
        customerEntitlements: ents,
        settings: { requireSuite },
      });
      setStatus({ kind: 'ok', text: 'Feature settings saved.' });
      props.onSaved();
    } catch (err) {
      setStatus({ kind: 'error', text: describeError(err) });
    }
  };
  return (
    <form className="feature-settings" onSubmit={save} data-testid="feature-settings">
      <h3>Feature settings</h3>
      <fieldset className="plain" disabled={!canEdit}>
        <label className="field">
          <span className="field-label">Name</span>
          <input data-testid="feature-settings-name" value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <EntitlementPicker
          entitlements={props.entitlements}
          value={ents}
          onChange={setEnts}
          legend="Customers hold one of these entitlements"
          testId="feature-settings-entitlements"
        />
        <label className="check">
          <input type="checkbox" checked={requireSuite} onChange={(e) => setRequireSuite(e.target.checked)} />
          Publishing requires every suite to pass
        </label>
      </fieldset>
      {canEdit ? (
        <div className="inline">
          <button className="primary" data-testid="feature-settings-save" disabled={!name.trim()}>
            Save settings
          </button>
          {status ? (
            <span className={status.kind === 'ok' ? 'ok' : 'error'} role={status.kind === 'ok' ? 'status' : 'alert'}>
              {status.text}
            </span>
          ) : null}
        </div>
      ) : null}
    </form>
  );
}
