/** JWT integration settings, like Zephr's page: key, algorithms, issuer, audience, tolerance, sources, mapping. */
import { useEffect, useState } from 'react';
import { ALGORITHMS, type KeyKind, type RedactedJwtSettingsView } from '../../../api/contract/jwt-settings';
import { api, describeError } from '../api/client';
import { type FieldError, fieldError } from '../lib/field-errors';
import { can, usePrincipal } from './session';

const KIND_LABELS: Record<KeyKind, string> = {
  secret: 'Shared secret (HS256/384/512)',
  spki: 'PEM public key',
  x509: 'X.509 certificate',
  jwks: 'JWKS document',
  jwksUrl: 'JWKS keys endpoint URL',
  none: 'Not configured',
};
/** In the order the form offers them (the contract's list: a new kind cannot be forgotten here). */
const KINDS = (['secret', 'spki', 'x509', 'jwks', 'jwksUrl', 'none'] as const satisfies readonly KeyKind[]).map(
  (value) => ({ value, label: KIND_LABELS[value] }),
);
const ALGS = ALGORITHMS;

/** The settings as answered (`GET /settings/jwt`), with the key held loosely while the form edits it. */
type Settings = Omit<RedactedJwtSettingsView, 'key'> & { key: Record<string, unknown> };

const list = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(', ') : (v ?? ''));
const unlist = (s: string) => {
  const parts = s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  return parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : parts;
};

export function JwtSettingsPage() {
  // Changing the JWT settings needs the admin role; others read them.
  const isAdmin = can(usePrincipal()?.role, 'admin');
  const [s, setS] = useState<Settings | null>(null);
  const [keyText, setKeyText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [badField, setBadField] = useState<FieldError | null>(null);
  /** The error beside the field it is about (a path starting with `prefix`). */
  const errAt = (prefix: string) =>
    badField?.field && (badField.field === prefix || badField.field.startsWith(`${prefix}.`)) ? (
      <span className="field-error" role="alert" data-testid={`jwt-error-${prefix}`}>
        {badField.message}
      </span>
    ) : null;
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    api<Settings>('GET', '/settings/jwt').then(setS, (e) => setError(describeError(e)));
  }, []);
  if (!s) return <div className="page">{error ? <p className="error">{error}</p> : 'Loading…'}</div>;
  const kind = String(s.key.kind);
  const set = (patch: Partial<Settings>) => {
    setSaved(false);
    setS({ ...s, ...patch });
  };
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    setBadField(null);
    let key: Record<string, unknown> = { kind };
    if (kind === 'secret') key = keyText ? { kind, secret: keyText } : { kind, keep: true };
    else if (kind === 'spki' || kind === 'x509') key = { kind, pem: keyText || s.key.pem };
    else if (kind === 'jwks') {
      try {
        key = { kind, jwks: keyText ? JSON.parse(keyText) : s.key.jwks };
      } catch {
        return setError('The JWKS document is not valid JSON.');
      }
    } else if (kind === 'jwksUrl') key = { kind, url: keyText || s.key.url };
    try {
      const out = await api<{ settings: Settings }>('PUT', '/settings/jwt', { ...s, key });
      setS(out.settings);
      setKeyText('');
      setSaved(true);
    } catch (err) {
      const f = fieldError(err);
      if (f.field) setBadField(f);
      else setError(f.message);
    }
  };
  return (
    <form className="page settings" onSubmit={save} data-testid="jwt-settings">
      <h2>JWT integration</h2>
      <p className="muted">
        How visitor tokens are verified. Only verified claims reach the rules; a bad token makes the visitor anonymous.
      </p>
      {isAdmin ? null : (
        <p className="muted" data-testid="jwt-read-only">
          Only an admin can change these settings.
        </p>
      )}
      <fieldset className="plain" disabled={!isAdmin}>
        <section className="card">
          <h3>Verification key</h3>
          <label className="field">
            <span className="field-label">Key type</span>
            <select data-testid="jwt-key-kind" value={kind} onChange={(e) => set({ key: { kind: e.target.value } })}>
              {KINDS.map((k) => (
                <option key={k.value} value={k.value}>
                  {k.label}
                </option>
              ))}
            </select>
          </label>
          {kind === 'none' ? null : (
            <label className="field">
              <span className="field-label">
                {kind === 'secret'
                  ? 'Secret'
                  : kind === 'jwksUrl'
                    ? 'Keys endpoint URL'
                    : kind === 'jwks'
                      ? 'JWKS (JSON)'
                      : 'PEM'}
              </span>
              {kind === 'secret' || kind === 'jwksUrl' ? (
                <input
                  data-testid="jwt-key-value"
                  type={kind === 'secret' ? 'password' : 'url'}
                  placeholder={
                    kind === 'secret'
                      ? s.key.secretSet
                        ? 'a secret is set (leave empty to keep it)'
                        : 'at least 32 bytes'
                      : String(s.key.url ?? 'https://idp.example.com/.well-known/jwks.json')
                  }
                  value={keyText}
                  onChange={(e) => setKeyText(e.target.value)}
                />
              ) : (
                <textarea
                  data-testid="jwt-key-value"
                  rows={6}
                  placeholder={
                    kind === 'jwks' ? JSON.stringify(s.key.jwks ?? { keys: [] }) : String(s.key.pem ?? '-----BEGIN ...')
                  }
                  value={keyText}
                  onChange={(e) => setKeyText(e.target.value)}
                />
              )}
              <span className="field-hint">{kind === 'secret' ? 'never shown again after saving' : ''}</span>
              {errAt('key')}
            </label>
          )}
          <div className="field">
            <span className="field-label">Allowed algorithms</span>
            <div className="checks row">
              {ALGS.map((a) => (
                <label key={a} className="check">
                  <input
                    type="checkbox"
                    data-testid={`jwt-alg-${a}`}
                    checked={s.algorithms.includes(a)}
                    onChange={() =>
                      set({
                        algorithms: s.algorithms.includes(a)
                          ? s.algorithms.filter((x) => x !== a)
                          : [...s.algorithms, a],
                      })
                    }
                  />
                  {a}
                </label>
              ))}
            </div>
            {errAt('algorithms')}
          </div>
        </section>
        <section className="card grid2">
          <label className="field">
            <span className="field-label">Issuer (iss)</span>
            <input
              data-testid="jwt-issuer"
              value={list(s.issuer)}
              onChange={(e) => set({ issuer: unlist(e.target.value) })}
            />
            {errAt('issuer')}
          </label>
          <label className="field">
            <span className="field-label">Audience (aud)</span>
            <input
              data-testid="jwt-audience"
              value={list(s.audience)}
              onChange={(e) => set({ audience: unlist(e.target.value) })}
            />
            {errAt('audience')}
          </label>
          <label className="field">
            <span className="field-label">Clock tolerance (seconds)</span>
            <input
              data-testid="jwt-tolerance"
              type="number"
              min={0}
              max={300}
              value={s.clockToleranceSec}
              onChange={(e) => set({ clockToleranceSec: Number(e.target.value) })}
            />
            {errAt('clockToleranceSec')}
          </label>
          <label className="field">
            <span className="field-label">When a token is invalid or expired</span>
            <select
              data-testid="jwt-invalid-mode"
              value={s.invalidTokenMode}
              onChange={(e) => set({ invalidTokenMode: e.target.value as Settings['invalidTokenMode'] })}
            >
              <option value="anonymous">treat the visitor as anonymous</option>
              <option value="reject">answer 401</option>
            </select>
            {errAt('invalidTokenMode')}
          </label>
        </section>
        <section className="card grid2">
          <h3 className="span2">Where the token is read</h3>
          <label className="field">
            <span className="field-label">Cookie name</span>
            <input
              data-testid="jwt-cookie"
              value={s.tokenSources.cookie ?? ''}
              onChange={(e) => set({ tokenSources: { ...s.tokenSources, cookie: e.target.value || null } })}
            />
            {errAt('tokenSources.cookie')}
          </label>
          <label className="field">
            <span className="field-label">Custom header</span>
            <input
              data-testid="jwt-header"
              placeholder="x-custom-tkn"
              value={s.tokenSources.header ?? ''}
              onChange={(e) => set({ tokenSources: { ...s.tokenSources, header: e.target.value || null } })}
            />
            {errAt('tokenSources.header')}
          </label>
          <label className="check">
            <input
              type="checkbox"
              data-testid="jwt-bearer"
              checked={s.tokenSources.bearer}
              onChange={(e) => set({ tokenSources: { ...s.tokenSources, bearer: e.target.checked } })}
            />
            Authorization: Bearer
          </label>
        </section>
        <section className="card grid2">
          <h3 className="span2">Products and users</h3>
          <label className="field">
            <span className="field-label">Products claim</span>
            <input
              data-testid="jwt-products-claim"
              value={s.productsClaim}
              onChange={(e) => set({ productsClaim: e.target.value })}
            />
            <span className="field-hint">a claim holding a product value or a list of them, e.g. prodsub</span>
            {errAt('productsClaim')}
          </label>
          <label className="field">
            <span className="field-label">Foreign user id property</span>
            <input
              data-testid="jwt-user-id"
              value={s.foreignUserIdProperty}
              onChange={(e) => set({ foreignUserIdProperty: e.target.value })}
            />
            {errAt('foreignUserIdProperty')}
          </label>
          <label className="field">
            <span className="field-label">Foreign key system</span>
            <input
              data-testid="jwt-key-system"
              value={s.foreignKeySystem}
              onChange={(e) => set({ foreignKeySystem: e.target.value })}
            />
            {errAt('foreignKeySystem')}
          </label>
        </section>
      </fieldset>
      {error ? (
        <p className="error" role="alert" data-testid="jwt-error">
          {error}
        </p>
      ) : null}
      {saved ? (
        <p className="ok" data-testid="jwt-saved">
          Saved.
        </p>
      ) : null}
      {isAdmin ? (
        <button className="primary" data-testid="jwt-save">
          Save settings
        </button>
      ) : null}
    </form>
  );
}
