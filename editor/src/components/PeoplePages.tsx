/** Admin pages for people: users, API tokens (the secret is shown once), and the audit log. */
import { useCallback, useEffect, useState } from 'react';
import { api, describeError } from '../api/client';
import type { Role } from './session';

const ROLE_OPTIONS: Role[] = ['viewer', 'editor', 'publisher', 'admin'];

interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  hasPassword: boolean;
  subject: string | null;
}
interface Token {
  id: string;
  name: string;
  role: Role;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}
interface AuditEntry {
  id: number;
  at: string;
  actor: { type: string; id: string | null; name: string };
  action: string;
  target: string;
  changed: string[];
}

function useList<T>(path: string) {
  const [items, setItems] = useState<T[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(() => {
    api<T[]>('GET', path).then(setItems, (e) => setError(describeError(e)));
  }, [path]);
  useEffect(reload, [reload]);
  return { items, error, setError, reload };
}

export function UsersPage() {
  const { items, error, setError, reload } = useList<User>('/users');
  const [form, setForm] = useState({ email: '', name: '', role: 'viewer' as Role, password: '' });
  const create = async (e: React.FormEvent) => {
    e.preventDefault();
    try {
      await api('POST', '/users', { ...form, name: form.name || form.email, password: form.password || undefined });
      setForm({ email: '', name: '', role: 'viewer', password: '' });
      reload();
    } catch (err) {
      setError(describeError(err));
    }
  };
  const act = (fn: () => Promise<unknown>) => fn().then(reload, (err) => setError(describeError(err)));
  return (
    <section className="page" data-testid="users-page">
      <h2>Users</h2>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      <table className="table" data-testid="users-table">
        <thead>
          <tr>
            <th>Email</th>
            <th>Name</th>
            <th>Role</th>
            <th>Sign-in</th>
            <th>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(items ?? []).map((u) => (
            <tr key={u.id} data-testid={`user-${u.email}`}>
              <td>{u.email}</td>
              <td>{u.name}</td>
              <td>
                <select
                  aria-label={`Role of ${u.email}`}
                  value={u.role}
                  onChange={(e) => act(() => api('PATCH', `/users/${u.id}`, { role: e.target.value }))}
                >
                  {ROLE_OPTIONS.map((r) => (
                    <option key={r}>{r}</option>
                  ))}
                </select>
              </td>
              <td>{u.subject ? 'single sign-on' : u.hasPassword ? 'password' : '—'}</td>
              <td className="actions">
                <button
                  className="link"
                  aria-label={`Delete ${u.email}`}
                  onClick={() => act(() => api('DELETE', `/users/${u.id}`))}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="card form-row" onSubmit={create} data-testid="new-user-form">
        <h3>Add a user</h3>
        <label className="field">
          <span className="field-label">Email</span>
          <input
            type="email"
            placeholder="pat@example.com"
            data-testid="new-user-email"
            value={form.email}
            onChange={(e) => setForm({ ...form, email: e.target.value })}
          />
        </label>
        <label className="field">
          <span className="field-label">Name</span>
          <input
            placeholder="Pat (the email when empty)"
            data-testid="new-user-name"
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.target.value })}
          />
        </label>
        <div className="field">
          <label className="field-label" htmlFor="new-user-role">
            Role
          </label>
          <select
            id="new-user-role"
            data-testid="new-user-role"
            value={form.role}
            onChange={(e) => setForm({ ...form, role: e.target.value as Role })}
          >
            {ROLE_OPTIONS.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label className="field-label" htmlFor="new-user-password">
            Password
          </label>
          <input
            id="new-user-password"
            type="password"
            autoComplete="new-password"
            data-testid="new-user-password"
            aria-describedby="new-user-password-help"
            value={form.password}
            onChange={(e) => setForm({ ...form, password: e.target.value })}
          />
          <span className="muted small" id="new-user-password-help">
            12 characters or more; leave empty for single sign-on only
          </span>
        </div>
        <button className="primary" data-testid="new-user-submit">
          Add user
        </button>
      </form>
    </section>
  );
}

export function TokensPage() {
  const { items, error, setError, reload } = useList<Token>('/tokens');
  const [form, setForm] = useState({ name: '', role: 'viewer' as Role, expiresAt: '' });
  const [secret, setSecret] = useState<string | null>(null);
  const create = async (e: React.FormEvent) => {
    e.preventDefault();
    try {
      const made = await api<Token & { token: string }>('POST', '/tokens', {
        name: form.name,
        role: form.role,
        expiresAt: form.expiresAt ? new Date(form.expiresAt).toISOString() : null,
      });
      setSecret(made.token);
      setForm({ name: '', role: 'viewer', expiresAt: '' });
      reload();
    } catch (err) {
      setError(describeError(err));
    }
  };
  return (
    <section className="page" data-testid="tokens-page">
      <h2>API tokens</h2>
      {error ? <p className="error">{error}</p> : null}
      {secret ? (
        <p className="card" data-testid="token-secret">
          Copy this token now; it is not shown again: <code>{secret}</code>
        </p>
      ) : null}
      <table className="table" data-testid="tokens-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Role</th>
            <th>Created by</th>
            <th>Expires</th>
            <th>Last used</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(items ?? []).map((t) => (
            <tr key={t.id} data-testid={`token-${t.name}`}>
              <td>{t.name}</td>
              <td>{t.role}</td>
              <td>{t.createdBy}</td>
              <td>{t.expiresAt ?? 'never'}</td>
              <td>{t.lastUsedAt ?? 'never'}</td>
              <td>
                {t.revokedAt ? (
                  'revoked'
                ) : (
                  <button
                    className="link"
                    onClick={() => api('DELETE', `/tokens/${t.id}`).then(reload, (err) => setError(describeError(err)))}
                  >
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="card form-row" onSubmit={create}>
        <h3>New token</h3>
        <label className="field">
          <span className="field-label">Name</span>
          <input
            placeholder="ci"
            data-testid="new-token-name"
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.target.value })}
          />
        </label>
        <label className="field">
          <span className="field-label">Role</span>
          <select value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
            {ROLE_OPTIONS.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">Expires (optional)</span>
          <input
            type="datetime-local"
            value={form.expiresAt}
            onChange={(e) => setForm({ ...form, expiresAt: e.target.value })}
          />
        </label>
        <button className="primary" data-testid="new-token-submit">
          Create
        </button>
      </form>
    </section>
  );
}

export function AuditPage() {
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [filter, setFilter] = useState({ actor: '', action: '', target: '' });
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(
    (before?: number) => {
      const q = new URLSearchParams({ limit: '50' });
      for (const [k, v] of Object.entries(filter)) if (v) q.set(k, v);
      if (before) q.set('before', String(before));
      api<{ entries: AuditEntry[]; next: number | null }>('GET', `/audit?${q}`).then(
        (page) => {
          setEntries((old) => (before ? [...old, ...page.entries] : page.entries));
          setNext(page.next);
        },
        (e) => setError(describeError(e)),
      );
    },
    [filter],
  );
  useEffect(() => load(), [load]);
  return (
    <section className="page" data-testid="audit-page">
      <h2>Audit log</h2>
      {error ? <p className="error">{error}</p> : null}
      <div className="card">
        {(['actor', 'action', 'target'] as const).map((k) => (
          <input
            key={k}
            placeholder={k}
            value={filter[k]}
            onChange={(e) => setFilter({ ...filter, [k]: e.target.value })}
          />
        ))}
      </div>
      <table>
        <thead>
          <tr>
            <th>When</th>
            <th>Who</th>
            <th>Action</th>
            <th>Target</th>
            <th>Changed</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.id} data-testid="audit-row">
              <td>{new Date(e.at).toLocaleString()}</td>
              <td>
                {e.actor.name} <span className="muted">({e.actor.type})</span>
              </td>
              <td>{e.action}</td>
              <td>{e.target}</td>
              <td>{e.changed.join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {next ? (
        <button className="link" onClick={() => load(next)}>
          Older entries
        </button>
      ) : null}
    </section>
  );
}
