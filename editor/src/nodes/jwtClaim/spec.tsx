import { OPERATOR_LABELS } from '../../../../engine';
import { ComparisonForm } from '../lib/comparison-form';
import type { EditorNodeSpec, FormProps } from '../spec';

export function describeComparison(data: Record<string, unknown>): string {
  const op = OPERATOR_LABELS[data.operator as keyof typeof OPERATOR_LABELS] ?? String(data.operator ?? '');
  const value =
    data.value === undefined
      ? ''
      : ` ${Array.isArray(data.value) ? data.value.join(', ') : JSON.stringify(data.value)}`;
  return data.property ? `${data.property} ${op}${value}` : 'set a property';
}

export const jwtClaimSpec: EditorNodeSpec<'jwtClaim'> = {
  color: '#7c3aed',
  icon: '▤',
  summary: describeComparison,
  Form: (p: FormProps<'jwtClaim'>) => (
    <ComparisonForm
      {...p}
      propertyLabel="Property Name"
      propertyHint="a claim of the verified token; dots reach inside objects"
    />
  ),
  controls: { property: 'form-property', operator: 'form-operator', value: 'form-value' },
};
