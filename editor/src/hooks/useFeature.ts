/** A feature as the server holds it, with the catalogue and its versions; `reload` after every write. */
import { useCallback, useState } from 'react';
import {
  api,
  describeError,
  type Entitlement,
  type FeatureSummary,
  type Product,
  type VersionSummary,
} from '../api/client';

export interface FeatureState {
  feature: FeatureSummary | null;
  products: Product[];
  entitlements: Entitlement[];
  versions: VersionSummary[];
  error: string | null;
  /** Fetches everything again and returns the feature (null when it failed; `error` says why). */
  reload(): Promise<FeatureSummary | null>;
}

export function useFeature(featureId: string): FeatureState {
  const base = `/features/${encodeURIComponent(featureId)}`;
  const [feature, setFeature] = useState<FeatureSummary | null>(null);
  const [products, setProducts] = useState<Product[]>([]);
  const [entitlements, setEntitlements] = useState<Entitlement[]>([]);
  const [versions, setVersions] = useState<VersionSummary[]>([]);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      const [f, p, e, v] = await Promise.all([
        api<FeatureSummary>('GET', base),
        api<Product[]>('GET', '/products'),
        api<Entitlement[]>('GET', '/entitlements'),
        api<VersionSummary[]>('GET', `${base}/versions`),
      ]);
      setFeature(f);
      setProducts(p);
      setEntitlements(e);
      setVersions(v);
      setError(null);
      return f;
    } catch (e) {
      setError(describeError(e));
      return null;
    }
  }, [base]);

  return { feature, products, entitlements, versions, error, reload };
}
