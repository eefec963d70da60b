/**
 * The editor shell: sign-in, navigation, theme, and the pages. Pages are listed once in `PAGES` (hash, nav label,
 * component) and loaded on demand, so adding a page is one entry and each page is its own chunk.
 */
import { type ComponentType, lazy, Suspense, useEffect, useState } from 'react';
import { getKey, setKey } from './api/client';
import { FeatureList } from './components/FeatureList';
import { SignIn } from './components/SignIn';
import { useTheme } from './hooks/useTheme';

const FeatureEditor = lazy(() => import('./components/FeatureEditor').then((m) => ({ default: m.FeatureEditor })));
const JwtSettingsPage = lazy(() =>
  import('./components/JwtSettingsPage').then((m) => ({ default: m.JwtSettingsPage })),
);
const CataloguePage = lazy(() => import('./components/CataloguePage').then((m) => ({ default: m.CataloguePage })));

/** Pages without parameters, in navigation order. */
const PAGES: { page: string; hash: string; label: string; testId: string; Component: ComponentType }[] = [
  { page: 'catalogue', hash: 'catalogue', label: 'Catalogue', testId: 'nav-catalogue', Component: CataloguePage },
  { page: 'jwt', hash: 'settings/jwt', label: 'JWT settings', testId: 'nav-jwt', Component: JwtSettingsPage },
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
  const [signedIn, setSignedIn] = useState(getKey() !== null);
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
  if (!signedIn) return <SignIn onSignedIn={() => setSignedIn(true)} />;
  const simple = PAGES.find((p) => p.page === route.page);
  return (
    <div className="app">
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
          {PAGES.map((p) => (
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
        <button
          className="link"
          data-testid="sign-out"
          onClick={() => {
            setKey(null);
            setSignedIn(false);
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
  );
}
