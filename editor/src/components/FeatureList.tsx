/** Features: create, rename, open; each shows its published version and whether the draft differs. */
import { useCallback, useEffect, useState } from 'react';
import { api, describeError, type Entitlement, type FeatureSummary } from '../api/client';
import { TEMPLATES } from '../templates';
import { EntitlementPicker } from './EntitlementPicker';
import { ListTable } from './ListTable';
import { can, usePrincipal } from './session';

export function FeatureList({ onOpen }: { onOpen(id: string): void }) {
  const canEdit = can(usePrincipal()?.role, 'editor');
  const [features, setFeatures] = useState<FeatureSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [entitlements, setEntitlements] = useState<string[]>([]);
  const [catalogue, setCatalogue] = useState<Entitlement[]>([]);
  const [template, setTemplate] = useState('');
  const [renaming, setRenaming] = useState<{ id: string; name: string } | null>(null);

  const load = useCallback(async () => {
    try {
      const [f, e] = await Promise.all([
        api<FeatureSummary[]>('GET', '/features'),
        api<Entitlement[]>('GET', '/entitlements'),
      ]);
      setFeatures(f);
      setCatalogue(e);
    } catch (e) {
      setError(describeError(e));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const create = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await api('POST', '/features', {
        id: id.trim(),
        name: name.trim() || id.trim(),
        customerEntitlements: entitlements,
      });
      const created = id.trim();
      const start = TEMPLATES.find((t) => t.id === template);
      if (start) await api('PUT', `/features/${encodeURIComponent(created)}/draft`, { graph: start.graph });
      setTemplate('');
      setId('');
      setName('');
      setEntitlements([]);
      onOpen(created);
    } catch (err) {
      setError(describeError(err));
    }
  };

  const rename = async () => {
    if (!renaming) return;
    try {
      await api('PATCH', `/features/${encodeURIComponent(renaming.id)}`, { name: renaming.name });
      setRenaming(null);
      await load();
    } catch (err) {
      setError(describeError(err));
    }
  };

  return (
    <div className="page">
      <h2>Features</h2>
      <p className="muted">Each feature is a rule a website asks about, e.g. “can this visitor read the article?”.</p>
      {error ? (
        <p className="error" role="alert" data-testid="features-error">
          {error}
        </p>
      ) : null}
      <ListTable
        headers={['Feature', 'Id', 'Live version', 'Draft', { hidden: 'Actions' }]}
        empty={
          features?.length === 0
            ? canEdit
              ? 'No features yet. Create the first one below.'
              : 'No features yet.'
            : null
        }
        testId="features-table"
      >
        {features?.map((f) => (
          <tr key={f.id} data-testid={`feature-row-${f.id}`}>
            <td>
              {renaming?.id === f.id ? (
                <span className="inline">
                  <input
                    data-testid={`feature-rename-input-${f.id}`}
                    value={renaming.name}
                    onChange={(e) => setRenaming({ id: f.id, name: e.target.value })}
                  />
                  <button onClick={rename} data-testid={`feature-rename-save-${f.id}`}>
                    Save
                  </button>
                </span>
              ) : (
                <strong>{f.name}</strong>
              )}
            </td>
            <td>
              <code>{f.id}</code>
            </td>
            <td>
              {f.publishedVersion === null ? (
                <span className="badge">not published</span>
              ) : (
                <span className="badge live">v{f.publishedVersion}</span>
              )}
            </td>
            <td>
              {f.draftDiffers ? (
                <span className="badge warn">unpublished changes</span>
              ) : (
                <span className="muted">same as live</span>
              )}
            </td>
            <td className="actions">
              {canEdit ? (
                <button
                  className="link"
                  data-testid={`feature-rename-${f.id}`}
                  onClick={() => setRenaming({ id: f.id, name: f.name })}
                >
                  Rename
                </button>
              ) : null}
              <button className="primary" data-testid={`feature-open-${f.id}`} onClick={() => onOpen(f.id)}>
                Open
              </button>
            </td>
          </tr>
        ))}
      </ListTable>
      {canEdit ? (
        <form className="card form-row" onSubmit={create}>
          <h3>New feature</h3>
          <label className="field">
            <span className="field-label">Id</span>
            <input
              data-testid="feature-new-id"
              placeholder="article-access"
              value={id}
              onChange={(e) => setId(e.target.value)}
            />
          </label>
          <label className="field">
            <span className="field-label">Name</span>
            <input
              data-testid="feature-new-name"
              placeholder="Article access"
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          </label>
          <label className="field">
            <span className="field-label">Start from</span>
            <select data-testid="feature-new-template" value={template} onChange={(e) => setTemplate(e.target.value)}>
              <option value="">an empty rule</option>
              {TEMPLATES.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}: {t.description}
                </option>
              ))}
            </select>
          </label>
          <EntitlementPicker
            entitlements={catalogue}
            value={entitlements}
            onChange={setEntitlements}
            legend="Customers hold one of these entitlements"
            testId="feature-new-entitlements"
          />
          <button className="primary" data-testid="feature-create" disabled={!id.trim()}>
            Create and open
          </button>
        </form>
      ) : null}
    </div>
  );
}
