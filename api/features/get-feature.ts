/** Loading a feature or answering 404: a leaf module, so replay and release code can use it without an import cycle. */
import { ClaimflowError } from '../../engine';
import type { Feature, Store } from '../store/store';

export async function getFeatureOr404(store: Store, id: string): Promise<Feature> {
  const f = await store.getFeature(id);
  if (!f) throw new ClaimflowError('CF_FEATURE_NOT_FOUND', `no feature "${id}"`, { field: 'feature' });
  return f;
}
