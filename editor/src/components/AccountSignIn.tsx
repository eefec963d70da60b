/** Sign in with email and password, or with the single sign-on provider when one is configured. */
import { useEffect, useState } from 'react';
import { api, describeError, setCsrfToken } from '../api/client';
import './people.css';
import type { Principal, SessionBody } from './session';

interface SignInOptions {
  password: boolean;
  oidc: { start: string; label: string } | null;
}

export function AccountSignIn({ onSignedIn }: { onSignedIn(principal: Principal): void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [options, setOptions] = useState<SignInOptions | null>(null);
  useEffect(() => {
    api<SignInOptions>('GET', '/session/options').then(setOptions, () => setOptions(null));
  }, []);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = await api<SessionBody>('POST', '/session', { email: email.trim(), password }, null);
      setCsrfToken(body.csrfToken);
      onSignedIn(body.principal);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} data-testid="account-signin">
      <label className="field">
        <span className="field-label">Email</span>
        <input
          data-testid="signin-email"
          type="email"
          autoComplete="username"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
      </label>
      <label className="field">
        <span className="field-label">Password</span>
        <input
          data-testid="signin-password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      {error ? (
        <p className="error" data-testid="account-signin-error" role="alert">
          {error}
        </p>
      ) : null}
      <button className="primary" data-testid="signin-password-submit" disabled={busy || !email || !password}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
      {options?.oidc ? (
        <>
          <p className="signin-or muted">or</p>
          <a className="button signin-sso" data-testid="signin-sso" href={options.oidc.start}>
            {options.oidc.label}
          </a>
        </>
      ) : null}
    </form>
  );
}
