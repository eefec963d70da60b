/**
 * The editor shell: sign-in (account, single sign-on or admin key), navigation, theme, and the pages. Pages are listed
 * once in `PAGES` (hash, nav label, component, role needed to see it) and loaded on demand, so adding a page is one
 * entry and each page is its own chunk. The server enforces roles; the shell only hides what the role cannot use.
 */
import { type ComponentType, lazy, Suspense, useEffect, useState } from 'react';
import { api, setCsrfToken, setKey } from './api/client';
import { AccountSignIn } from './components/AccountSignIn';
import { FeatureList } from './components/FeatureList';
import { SignIn } from './components/SignIn';
import { can, loadSession, type Principal, SessionContext } from './components/session';
import { useTheme } from './hooks/useTheme';

const FeatureEditor = lazy(() => import('./components/FeatureEditor').then((m) => ({ default: m.FeatureEditor })));
const JwtSettingsPage = lazy(() =>
  import('./components/JwtSettingsPage').then((m) => ({ default: m.JwtSettingsPage })),
);
const CataloguePage = lazy(() => import('./components/CataloguePage').then((m) => ({ default: m.CataloguePage })));
const UsersPage = lazy(() => import('./components/PeoplePages').then((m) => ({ default: m.UsersPage })));
const TokensPage = lazy(() => import('./components/PeoplePages').then((m) => ({ default: m.TokensPage })));
const ReleasesPage = lazy(() => import('./components/ReleasesPage').then((m) => ({ default: m.ReleasesPage })));
const AuditPage = lazy(() => import('./components/PeoplePages').then((m) => ({ default: m.AuditPage })));
const WebhooksPage = lazy(() => import('./components/ReleasePages').then((m) => ({ default: m.WebhooksPage })));
const SchedulesPage = lazy(() => import('./components/ReleasePages').then((m) => ({ default: m.SchedulesPage })));

type Role = Principal['role'];

/** Pages without parameters, in navigation order, with the role needed to see them (null: everyone signed in). */
const PAGES: {
  page: string;
  hash: string;
  label: string;
  testId: string;
  Component: ComponentType;
  role: Role | null;
}[] = [
  {
    page: 'catalogue',
    hash: 'catalogue',
    label: 'Catalogue',
    testId: 'nav-catalogue',
    Component: CataloguePage,
    role: null,
  },
  {
    page: 'jwt',
    hash: 'settings/jwt',
    label: 'JWT settings',
    testId: 'nav-jwt',
    Component: JwtSettingsPage,
    role: null,
  },
  {
    page: 'releases',
    hash: 'releases',
    label: 'Releases',
    testId: 'nav-releases',
    Component: ReleasesPage,
    role: null,
  },
  { page: 'users', hash: 'users', label: 'Users', testId: 'nav-users', Component: UsersPage, role: 'admin' },
  { page: 'tokens', hash: 'tokens', label: 'API tokens', testId: 'nav-tokens', Component: TokensPage, role: 'admin' },
  {
    page: 'schedules',
    hash: 'schedules',
    label: 'Scheduled',
    testId: 'nav-schedules',
    Component: SchedulesPage,
    role: null,
  },
  {
    page: 'webhooks',
    hash: 'webhooks',
    label: 'Webhooks',
    testId: 'nav-webhooks',
    Component: WebhooksPage,
    role: 'admin',
  },
  { page: 'audit', hash: 'audit', label: 'Audit log', testId: 'nav-audit', Component: AuditPage, role: null },
];

type Route = { page: 'features' } | { page: 'feature'; id: string } | { page: string };

function parseHash(): Route {
  const h = window.location.hash.replace(/^#\/?/, '');
  if (h.startsWith('features/')) return { page: 'feature', id: decodeURIComponent(h.slice('features/'.length)) };
  const simple = PAGES.find((p) => p.hash === h);
  return simple ? { page: simple.page } : { page: 'features' };
}

function hashOf(r: Route): string {
  if ('id' in r) return `#/features/${encodeURIComponent(r.id)}`;
  const simple = PAGES.find((p) => p.page === r.page);
  return simple ? `#/${simple.hash}` : '#/';
}

export function App() {
  // undefined while asking the service who is signed in (session cookie or admin key); null: nobody.
  const [principal, setPrincipal] = useState<Principal | null | undefined>(undefined);
  useEffect(() => {
    loadSession().then(setPrincipal);
  }, []);
  const [route, setRoute] = useState<Route>(parseHash());
  const [dirty, setDirty] = useState(false);
  const theme = useTheme();

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

  const themeButton = (
    <button
      className="link"
      data-testid="theme-toggle"
      aria-label={theme.effective === 'dark' ? 'Switch to light mode' : 'Switch to dark mode'}
      onClick={theme.toggle}
    >
      {theme.effective === 'dark' ? '☀ Light' : '☾ Dark'}
    </button>
  );
  if (principal === undefined) return null;
  if (principal === null)
    return (
      <main className="signin">
        <div className="card signin-card" data-testid="signin-page">
          <h1>Claimflow</h1>
          <p className="muted">Sign in to edit feature rules.</p>
          <AccountSignIn onSignedIn={setPrincipal} />
          <SignIn onSignedIn={() => loadSession().then(setPrincipal)} />
        </div>
      </main>
    );
  const role = principal.role;
  const visible = PAGES.filter((p) => p.role === null || can(role, p.role));
  const simple = visible.find((p) => p.page === route.page);
  return (
    <SessionContext.Provider value={principal}>
      <div className="app" data-role={role}>
        <header className="topbar">
          <strong className="brand">Claimflow</strong>
          <nav aria-label="Main">
            <button
              className={route.page === 'features' || route.page === 'feature' ? 'active' : ''}
              data-testid="nav-features"
              onClick={() => go({ page: 'features' })}
            >
              Features
            </button>
            {visible.map((p) => (
              <button
                key={p.page}
                className={route.page === p.page ? 'active' : ''}
                data-testid={p.testId}
                onClick={() => go({ page: p.page })}
              >
                {p.label}
              </button>
            ))}
          </nav>
          <span className="spacer" />
          {themeButton}
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
          <Suspense fallback={<p className="muted page">Loading…</p>}>
            {route.page === 'features' ? <FeatureList onOpen={(id) => go({ page: 'feature', id })} /> : null}
            {'id' in route ? (
              <FeatureEditor
                key={route.id}
                featureId={route.id}
                onDirtyChange={setDirty}
                onBack={() => go({ page: 'features' })}
              />
            ) : null}
            {simple ? <simple.Component /> : null}
          </Suspense>
        </main>
      </div>
    </SessionContext.Provider>
  );
}
