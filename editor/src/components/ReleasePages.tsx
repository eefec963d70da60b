/**
 * Release-flow pages: webhooks (admin: create, the secret shown once, enable, delete, send a test delivery, the
 * delivery log) and scheduled changes (everyone sees them; publishers schedule and cancel).
 */

import { useCallback, useEffect, useState } from 'react';
import type { Schedule } from '../../../api/contract/schedules';
import type { Delivery, Webhook } from '../../../api/contract/webhooks';
import { SUBSCRIBABLE_EVENTS } from '../../../api/events/event-types';
import { api, describeError, type FeatureSummary } from '../api/client';
import { ListTable } from './ListTable';
import './release.css';
import { can, usePrincipal } from './session';
import { browserZone } from './TimeZoneSelect';
import { WallClockInputs } from './WallClockInputs';

// API shapes from the service's contract (type-only imports).

const when = (iso: string) => new Date(iso).toLocaleString();

export function WebhooksPage() {
  const [hooks, setHooks] = useState<Webhook[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [form, setForm] = useState({ name: '', url: '', events: ['feature.published'] as string[] });
  const reload = useCallback(() => {
    api<Webhook[]>('GET', '/webhooks').then(setHooks, (e) => setError(describeError(e)));
  }, []);
  useEffect(reload, [reload]);
  const act = (fn: () => Promise<unknown>) =>
    fn().then(
      () => {
        setError(null);
        reload();
      },
      (e) => setError(describeError(e)),
    );
  const create = (e: React.FormEvent) => {
    e.preventDefault();
    act(async () => {
      const made = await api<Webhook & { secret: string }>('POST', '/webhooks', form);
      setSecret({ name: made.name, secret: made.secret });
      setForm({ name: '', url: '', events: ['feature.published'] });
      setOpen(made.id);
    });
  };
  const toggleEvent = (event: string) =>
    setForm((f) => ({
      ...f,
      events: f.events.includes(event) ? f.events.filter((x) => x !== event) : [...f.events, event],
    }));

  return (
    <section className="page" data-testid="webhooks-page">
      <h2>Webhooks</h2>
      <p className="muted">
        Claimflow POSTs a signed JSON event to each URL (header <code>X-Claimflow-Signature</code>), retrying with
        backoff. URLs pointing at this service itself are refused.
      </p>
      {error ? (
        <p className="error" data-testid="webhooks-error">
          {error}
        </p>
      ) : null}
      {secret ? (
        <p className="card" data-testid="webhook-secret">
          Signing secret of <strong>{secret.name}</strong>; copy it now, it is not shown again:{' '}
          <code>{secret.secret}</code>
        </p>
      ) : null}
      <ListTable
        headers={['Name', 'URL', 'Events', 'Enabled', 'Actions']}
        empty={hooks.length === 0 ? 'No webhooks yet.' : null}
      >
        {hooks.map((h) => (
          <tr key={h.id} data-testid={`webhook-${h.name}`}>
            <td>{h.name}</td>
            <td className="release-url">{h.url}</td>
            <td>{h.events.join(', ')}</td>
            <td>
              <input
                type="checkbox"
                aria-label={`${h.name} enabled`}
                checked={h.enabled}
                onChange={() => act(() => api('PATCH', `/webhooks/${h.id}`, { enabled: !h.enabled }))}
              />
            </td>
            <td className="release-actions">
              <button
                type="button"
                data-testid="webhook-test"
                onClick={() =>
                  act(async () => {
                    await api('POST', `/webhooks/${h.id}/test`);
                    setOpen(h.id);
                  })
                }
              >
                Send test delivery
              </button>
              <button type="button" className="link" onClick={() => setOpen(open === h.id ? null : h.id)}>
                {open === h.id ? 'Hide deliveries' : 'Deliveries'}
              </button>
              <button
                type="button"
                className="link"
                onClick={() => {
                  if (window.confirm(`Delete the webhook ${h.name}?`)) act(() => api('DELETE', `/webhooks/${h.id}`));
                }}
              >
                Delete
              </button>
            </td>
          </tr>
        ))}
      </ListTable>
      {open ? <DeliveryLog key={open} webhook={hooks.find((h) => h.id === open)} /> : null}
      <form className="card release-form" onSubmit={create}>
        <h3>New webhook</h3>
        <label>
          Name
          <input
            data-testid="new-webhook-name"
            value={form.name}
            placeholder="newsroom chat"
            onChange={(e) => setForm({ ...form, name: e.target.value })}
          />
        </label>
        <label>
          URL
          <input
            data-testid="new-webhook-url"
            value={form.url}
            placeholder="https://chat.example.com/hooks/claimflow"
            onChange={(e) => setForm({ ...form, url: e.target.value })}
          />
        </label>
        <fieldset>
          <legend>Events</legend>
          {SUBSCRIBABLE_EVENTS.map((ev) => (
            <label key={ev} className="release-check">
              <input type="checkbox" checked={form.events.includes(ev)} onChange={() => toggleEvent(ev)} /> {ev}
            </label>
          ))}
        </fieldset>
        <button className="primary" data-testid="new-webhook-submit">
          Create
        </button>
      </form>
    </section>
  );
}

function DeliveryLog({ webhook }: { webhook: Webhook | undefined }) {
  const [deliveries, setDeliveries] = useState<Delivery[] | null>(null);
  const id = webhook?.id;
  useEffect(() => {
    if (!id) return;
    let stop = false;
    const load = () =>
      api<Delivery[]>('GET', `/webhooks/${id}/deliveries?limit=20`).then((d) => {
        if (stop) return;
        setDeliveries(d);
        // keep watching while a delivery is still on its way
        if (d.some((x) => x.status === 'pending' || x.status === 'sending')) setTimeout(load, 1000);
      });
    load();
    const again = setInterval(load, 5000);
    return () => {
      stop = true;
      clearInterval(again);
    };
  }, [id]);
  if (!webhook) return null;
  return (
    <div className="card" data-testid="delivery-log">
      <h3>Deliveries of {webhook.name}</h3>
      {deliveries === null ? <p className="muted">Loading…</p> : null}
      {deliveries?.length === 0 ? <p className="muted">Nothing sent yet.</p> : null}
      {deliveries?.length ? (
        <table className="table">
          <thead>
            <tr>
              <th>Queued</th>
              <th>Event</th>
              <th>Status</th>
              <th>Attempts</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.map((d) => (
              <tr key={d.id} data-testid="delivery-row" data-status={d.status}>
                <td>{when(d.createdAt)}</td>
                <td>{d.event}</td>
                <td>
                  <span className={`badge release-${d.status}`}>{d.status}</span>
                  {d.nextAttemptAt ? <span className="muted"> next try {when(d.nextAttemptAt)}</span> : null}
                </td>
                <td>
                  {d.log.map((a) => (
                    <div key={a.attempt} className="release-attempt">
                      #{a.attempt} {a.status ?? '—'} {a.error ? <span className="muted">({a.error})</span> : null}{' '}
                      <span className="muted">{a.ms} ms</span>
                    </div>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

export function SchedulesPage() {
  const principal = usePrincipal();
  const mayChange = can(principal?.role, 'publisher');
  const [items, setItems] = useState<Schedule[]>([]);
  const [features, setFeatures] = useState<FeatureSummary[]>([]);
  const [envs, setEnvs] = useState<{ names: string[]; default: string }>({ names: [], default: '' });
  const [error, setError] = useState<string | null>(null);
  const [form, setForm] = useState({
    featureId: '',
    action: 'publish' as Schedule['action'],
    environment: '',
    fromEnvironment: '',
    version: '',
    at: '',
    timeZone: browserZone,
    note: '',
  });
  const reload = useCallback(() => {
    api<Schedule[]>('GET', '/schedules').then(setItems, (e) => setError(describeError(e)));
  }, []);
  useEffect(() => {
    reload();
    api<FeatureSummary[]>('GET', '/features').then((f) => {
      setFeatures(f);
      setForm((old) => (old.featureId || !f[0] ? old : { ...old, featureId: f[0].id }));
    });
    api<{ default: string; environments: Array<{ name: string }> }>('GET', '/environments').then(
      (e) => setEnvs({ names: e.environments.map((x) => x.name), default: e.default }),
      () => undefined,
    );
    const t = setInterval(reload, 5000);
    return () => clearInterval(t);
  }, [reload]);
  const create = (e: React.FormEvent) => {
    e.preventDefault();
    api('POST', '/schedules', {
      featureId: form.featureId,
      action: form.action,
      at: form.at,
      timeZone: form.timeZone,
      note: form.note,
      ...(form.version ? { version: Number(form.version) } : {}),
      ...(form.environment ? { environment: form.environment } : {}),
      ...(form.action === 'promote' && form.fromEnvironment ? { fromEnvironment: form.fromEnvironment } : {}),
    }).then(
      () => {
        setError(null);
        setForm({ ...form, version: '', note: '', at: '' });
        reload();
      },
      (err) => setError(describeError(err)),
    );
  };
  return (
    <section className="page" data-testid="schedules-page">
      <h2>Scheduled changes</h2>
      {error ? (
        <p className="error" data-testid="schedules-error">
          {error}
        </p>
      ) : null}
      <ListTable
        headers={['When', 'Feature', 'Change', 'Status', 'By', '']}
        empty={items.length === 0 ? 'Nothing scheduled.' : null}
      >
        {items.map((s) => (
          <tr key={s.id} data-testid={`schedule-${s.id}`} data-status={s.status}>
            <td>
              {s.localTime.replace('T', ' ')} <span className="muted">{s.timeZone}</span>
              <div className="muted">{when(s.runAt)} here</div>
            </td>
            <td>{s.featureId}</td>
            <td>
              {s.action}
              {s.version ? ` version ${s.version}` : s.action === 'publish' ? ' draft' : ''} → {s.environment}
              {s.note ? <div className="muted">{s.note}</div> : null}
            </td>
            <td>
              <span className={`badge release-${s.status}`}>{s.status}</span>
              {s.late ? (
                <span className="badge release-late">late by {Math.round((s.lateByMs ?? 0) / 1000)} s</span>
              ) : null}
              {s.result?.version ? <div className="muted">made version {s.result.version}</div> : null}
              {s.error ? <div className="error-text">{s.error}</div> : null}
            </td>
            <td>{s.createdBy.name}</td>
            <td>
              {mayChange && s.status === 'pending' ? (
                <button
                  type="button"
                  data-testid="schedule-cancel"
                  onClick={() =>
                    api('POST', `/schedules/${s.id}/cancel`).then(reload, (err) => setError(describeError(err)))
                  }
                >
                  Cancel
                </button>
              ) : null}
            </td>
          </tr>
        ))}
      </ListTable>
      {mayChange ? (
        <form className="card release-form" onSubmit={create}>
          <h3>Schedule a change</h3>
          <label>
            Feature
            <select
              data-testid="schedule-feature"
              value={form.featureId}
              onChange={(e) => setForm({ ...form, featureId: e.target.value })}
            >
              {features.map((f) => (
                <option key={f.id} value={f.id}>
                  {f.name} ({f.id})
                </option>
              ))}
            </select>
          </label>
          <label>
            Change
            <select
              data-testid="schedule-action"
              value={form.action}
              onChange={(e) => setForm({ ...form, action: e.target.value as Schedule['action'] })}
            >
              <option value="publish">publish</option>
              <option value="rollback">roll back</option>
              <option value="promote">promote</option>
            </select>
          </label>
          {envs.names.length > 1 ? (
            <label>
              Environment
              <select
                data-testid="schedule-environment"
                value={form.environment || envs.default}
                onChange={(e) => setForm({ ...form, environment: e.target.value })}
              >
                {envs.names.map((n) => (
                  <option key={n}>{n}</option>
                ))}
              </select>
            </label>
          ) : null}
          {form.action === 'promote' && envs.names.length > 1 ? (
            <label>
              Promote from
              <select
                data-testid="schedule-from"
                value={form.fromEnvironment}
                onChange={(e) => setForm({ ...form, fromEnvironment: e.target.value })}
              >
                <option value="">choose…</option>
                {envs.names.map((n) => (
                  <option key={n}>{n}</option>
                ))}
              </select>
            </label>
          ) : null}
          <label>
            Version {form.action === 'publish' ? '(empty: current draft)' : ''}
            <input
              type="number"
              min={1}
              data-testid="schedule-version"
              value={form.version}
              onChange={(e) => setForm({ ...form, version: e.target.value })}
            />
          </label>
          <WallClockInputs
            label="Date and time"
            testId="schedule"
            value={{ at: form.at, timeZone: form.timeZone }}
            onChange={(t) => setForm({ ...form, ...t })}
          />
          <label>
            Note
            <input value={form.note} onChange={(e) => setForm({ ...form, note: e.target.value })} />
          </label>
          <button className="primary" data-testid="schedule-submit">
            Schedule
          </button>
        </form>
      ) : null}
    </section>
  );
}
