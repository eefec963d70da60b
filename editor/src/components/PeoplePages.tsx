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
      {error ? <p className="error">{error}</p> : null}
      <table>
        <thead>
          <tr>
            <th>Email</th>
            <th>Name</th>
            <th>Role</th>
            <th>Sign-in</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(items ?? []).map((u) => (
            <tr key={u.id} data-testid={`user-${u.email}`}>
              <td>{u.email}</td>
              <td>{u.name}</td>
              <td>
                <select
                  value={u.role}
                  onChange={(e) => act(() => api('PATCH', `/users/${u.id}`, { role: e.target.value }))}
                >
                  {ROLE_OPTIONS.map((r) => (
                    <option key={r}>{r}</option>
                  ))}
                </select>
              </td>
              <td>{u.subject ? 'single sign-on' : u.hasPassword ? 'password' : '—'}</td>
              <td>
                <button className="link" onClick={() => act(() => api('DELETE', `/users/${u.id}`))}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="card" onSubmit={create}>
        <h3>Add a user</h3>
        <input
          placeholder="email"
          data-testid="new-user-email"
          value={form.email}
          onChange={(e) => setForm({ ...form, email: e.target.value })}
        />
        <input placeholder="name" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
        <select value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
          {ROLE_OPTIONS.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
        <input
          placeholder="password (12+ characters; empty for single sign-on only)"
          type="password"
          value={form.password}
          onChange={(e) => setForm({ ...form, password: e.target.value })}
        />
        <button className="primary" data-testid="new-user-submit">
          Add
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
      <table>
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
      <form className="card" onSubmit={create}>
        <h3>New token</h3>
        <input
          placeholder="name (e.g. ci)"
          data-testid="new-token-name"
          value={form.name}
          onChange={(e) => setForm({ ...form, name: e.target.value })}
        />
        <select value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
          {ROLE_OPTIONS.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
        <input
          type="datetime-local"
          value={form.expiresAt}
          onChange={(e) => setForm({ ...form, expiresAt: e.target.value })}
        />
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
