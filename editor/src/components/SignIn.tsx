/** Sign in with the admin key; a wrong key says so in plain words. */
import { useState } from 'react';
import { api, describeError, setKey } from '../api/client';

export function SignIn({ onSignedIn }: { onSignedIn(): void }) {
  const [key, setValue] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('GET', '/session', undefined, key.trim());
      setKey(key.trim());
      onSignedIn();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="signin">
      <form className="card signin-card" onSubmit={submit}>
        <h1>Claimflow</h1>
        <p className="muted">Feature rules over verified JWT claims. Sign in with the admin key of this service.</p>
        <label className="field">
          <span className="field-label">Admin key</span>
          <input
            data-testid="signin-key"
            type="password"
            autoFocus
            value={key}
            onChange={(e) => setValue(e.target.value)}
          />
        </label>
        {error ? (
          <p className="error" data-testid="signin-error" role="alert">
            {error}
          </p>
        ) : null}
        <button className="primary" data-testid="signin-submit" disabled={busy || key.trim() === ''}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        <p className="muted small">
          The key was printed when the service first started, or set with CLAIMFLOW_ADMIN_KEY.
        </p>
      </form>
    </div>
  );
}
