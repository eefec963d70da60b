/** The editor shell: sign-in, navigation between features, a feature, JWT settings and the catalogue. */
import { useEffect, useState } from 'react';
import { getKey, setKey } from './api/client';
import { CataloguePage } from './components/CataloguePage';
import { FeatureEditor } from './components/FeatureEditor';
import { FeatureList } from './components/FeatureList';
import { JwtSettingsPage } from './components/JwtSettingsPage';
import { SignIn } from './components/SignIn';

type Route = { page: 'features' } | { page: 'feature'; id: string } | { page: 'jwt' } | { page: 'catalogue' };

function parseHash(): Route {
  const h = window.location.hash.replace(/^#\/?/, '');
  if (h.startsWith('features/')) return { page: 'feature', id: decodeURIComponent(h.slice('features/'.length)) };
  if (h === 'settings/jwt') return { page: 'jwt' };
  if (h === 'catalogue') return { page: 'catalogue' };
  return { page: 'features' };
}

function hashOf(r: Route): string {
  return r.page === 'feature'
    ? `#/features/${encodeURIComponent(r.id)}`
    : r.page === 'jwt'
      ? '#/settings/jwt'
      : r.page === 'catalogue'
        ? '#/catalogue'
        : '#/';
}

export function App() {
  const [signedIn, setSignedIn] = useState(getKey() !== null);
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

  if (!signedIn) return <SignIn onSignedIn={() => setSignedIn(true)} />;
  return (
    <div className="app">
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
        </nav>
        <span className="spacer" />
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
      </main>
    </div>
  );
}
