/** The editor shell: sign-in, navigation between features, a feature, JWT settings, the catalogue and people. */
import { useEffect, useState } from 'react';
import { api, setCsrfToken, setKey } from './api/client';
import { AccountSignIn } from './components/AccountSignIn';
import { CataloguePage } from './components/CataloguePage';
import { FeatureEditor } from './components/FeatureEditor';
import { FeatureList } from './components/FeatureList';
import { JwtSettingsPage } from './components/JwtSettingsPage';
import { AuditPage, TokensPage, UsersPage } from './components/PeoplePages';
import { SignIn } from './components/SignIn';
import { can, loadSession, type Principal, SessionContext } from './components/session';

type Route =
  | { page: 'features' }
  | { page: 'feature'; id: string }
  | { page: 'jwt' }
  | { page: 'catalogue' }
  | { page: 'users' }
  | { page: 'tokens' }
  | { page: 'audit' };
const PEOPLE = ['users', 'tokens', 'audit'] as const;

function parseHash(): Route {
  const h = window.location.hash.replace(/^#\/?/, '');
  if (h.startsWith('features/')) return { page: 'feature', id: decodeURIComponent(h.slice('features/'.length)) };
  if (h === 'settings/jwt') return { page: 'jwt' };
  if (h === 'catalogue') return { page: 'catalogue' };
  for (const p of PEOPLE) if (h === p) return { page: p };
  return { page: 'features' };
}

function hashOf(r: Route): string {
  if (r.page === 'users' || r.page === 'tokens' || r.page === 'audit') return `#/${r.page}`;
  return r.page === 'feature'
    ? `#/features/${encodeURIComponent(r.id)}`
    : r.page === 'jwt'
      ? '#/settings/jwt'
      : r.page === 'catalogue'
        ? '#/catalogue'
        : '#/';
}

export function App() {
  // undefined while asking the service who is signed in (session cookie or admin key); null: nobody.
  const [principal, setPrincipal] = useState<Principal | null | undefined>(undefined);
  useEffect(() => {
    loadSession().then(setPrincipal);
  }, []);
  const [route, setRoute] = useState<Route>(parseHash());
  const [dirty, setDirty] = useState(false);

  useEffect(() => {
    const onHash = () => setRoute(parseHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    const onUnload = (e: BeforeUnloadEvent) => {
      if (dirty) e.preventDefault();
    };
    window.addEventListener('beforeunload', onUnload);
    return () => window.removeEventListener('beforeunload', onUnload);
  }, [dirty]);

  const go = (r: Route) => {
    if (dirty && !window.confirm('You have unsaved changes. Leave without saving?')) return;
    setDirty(false);
    window.location.hash = hashOf(r);
    setRoute(r);
  };

  if (principal === undefined) return null;
  if (principal === null)
    return (
      <div className="signin-stack">
        <AccountSignIn onSignedIn={setPrincipal} />
        <SignIn onSignedIn={() => loadSession().then(setPrincipal)} />
      </div>
    );
  const role = principal.role;
  return (
    <SessionContext.Provider value={principal}>
      <div className="app" data-role={role}>
        <header className="topbar">
          <strong className="brand">Claimflow</strong>
          <nav>
            <button
              className={route.page === 'features' || route.page === 'feature' ? 'active' : ''}
              data-testid="nav-features"
              onClick={() => go({ page: 'features' })}
            >
              Features
            </button>
            <button
              className={route.page === 'catalogue' ? 'active' : ''}
              data-testid="nav-catalogue"
              onClick={() => go({ page: 'catalogue' })}
            >
              Catalogue
            </button>
            <button
              className={route.page === 'jwt' ? 'active' : ''}
              data-testid="nav-jwt"
              onClick={() => go({ page: 'jwt' })}
            >
              JWT settings
            </button>
            {can(role, 'admin') ? (
              <>
                <button
                  className={route.page === 'users' ? 'active' : ''}
                  data-testid="nav-users"
                  onClick={() => go({ page: 'users' })}
                >
                  Users
                </button>
                <button
                  className={route.page === 'tokens' ? 'active' : ''}
                  data-testid="nav-tokens"
                  onClick={() => go({ page: 'tokens' })}
                >
                  API tokens
                </button>
              </>
            ) : null}
            <button
              className={route.page === 'audit' ? 'active' : ''}
              data-testid="nav-audit"
              onClick={() => go({ page: 'audit' })}
            >
              Audit log
            </button>
          </nav>
          <span className="spacer" />
          <a href="/docs" target="_blank" rel="noreferrer">
            API docs
          </a>
          <span className="muted" data-testid="signed-in-as">
            {principal.name} · {role}
          </span>
          <button
            className="link"
            data-testid="sign-out"
            onClick={async () => {
              if (principal.type === 'user') await api('DELETE', '/session').catch(() => undefined);
              setKey(null);
              setCsrfToken(null);
              setPrincipal(null);
            }}
          >
            Sign out
          </button>
        </header>
        <main>
          {route.page === 'features' ? <FeatureList onOpen={(id) => go({ page: 'feature', id })} /> : null}
          {route.page === 'feature' ? (
            <FeatureEditor
              key={route.id}
              featureId={route.id}
              onDirtyChange={setDirty}
              onBack={() => go({ page: 'features' })}
            />
          ) : null}
          {route.page === 'jwt' ? <JwtSettingsPage /> : null}
          {route.page === 'catalogue' ? <CataloguePage /> : null}
          {route.page === 'users' && can(role, 'admin') ? <UsersPage /> : null}
          {route.page === 'tokens' && can(role, 'admin') ? <TokensPage /> : null}
          {route.page === 'audit' ? <AuditPage /> : null}
        </main>
      </div>
    </SessionContext.Provider>
  );
}
