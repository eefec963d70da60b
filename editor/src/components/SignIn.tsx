/**
 * Break-glass sign-in with the admin key, folded away under the account sign-in (the key is the owner credential of
 * last resort, printed at first start); a wrong key says so in plain words.
 */
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
    <details className="break-glass" data-testid="signin-break-glass">
      <summary data-testid="signin-break-glass-open">Break-glass: sign in with the admin key</summary>
      <form onSubmit={submit}>
        <p className="muted small">
          For recovery when no account can sign in. The key was printed when the service first started, or set with
          CLAIMFLOW_ADMIN_KEY; it acts as an admin.
        </p>
        <label className="field">
          <span className="field-label">Admin key</span>
          <input data-testid="signin-key" type="password" value={key} onChange={(e) => setValue(e.target.value)} />
        </label>
        {error ? (
          <p className="error" data-testid="signin-error" role="alert">
            {error}
          </p>
        ) : null}
        <button data-testid="signin-submit" disabled={busy || key.trim() === ''}>
          {busy ? 'Checking…' : 'Sign in with the admin key'}
        </button>
      </form>
    </details>
  );
}
