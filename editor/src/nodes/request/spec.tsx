import { REQUEST_PROPERTIES } from '../../../../engine';
import { describeComparison } from '../jwtClaim/spec';
import { ComparisonForm } from '../lib/comparison-form';
import type { EditorNodeSpec, FormProps } from '../spec';

export const requestSpec: EditorNodeSpec<'request'> = {
  color: '#0891b2',
  icon: '⇄',
  summary: describeComparison,
  Form: (p: FormProps<'request'>) => (
    <ComparisonForm
      {...p}
      propertyLabel="Request property"
      propertyOptions={[...REQUEST_PROPERTIES, 'query.utm_source', 'custom.segment']}
      propertyHint="device, country, referrer, path, contentId, token.status, query.<name>, custom.<name>"
    />
  ),
  controls: { property: 'form-property', operator: 'form-operator', value: 'form-value' },
};
