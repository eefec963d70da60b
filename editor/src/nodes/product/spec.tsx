import { Field, Select } from '../fields';
import type { EditorNodeSpec, FormProps } from '../spec';

function ProductForm({ data, onChange, products, readOnly }: FormProps<'product'>) {
  const chosen = Array.isArray(data.products) ? (data.products as string[]) : [];
  const toggle = (id: string) =>
    onChange({ ...data, products: chosen.includes(id) ? chosen.filter((p) => p !== id) : [...chosen, id] });
  return (
    <>
      <Field label="Products" hint={products.length ? undefined : 'no products yet: add them under Catalogue'}>
        <div className="checks" data-testid="form-products">
          {products.map((p) => (
            <label key={p.id} className="check">
              <input
                type="checkbox"
                data-testid={`form-product-${p.id}`}
                checked={chosen.includes(p.id)}
                disabled={readOnly}
                onChange={() => toggle(p.id)}
              />
              {p.name} <code>{p.id}</code>
            </label>
          ))}
          {chosen
            .filter((id) => !products.some((p) => p.id === id))
            .map((id) => (
              <label key={id} className="check missing">
                <input type="checkbox" checked disabled={readOnly} onChange={() => toggle(id)} /> {id} (not in the
                catalogue)
              </label>
            ))}
        </div>
      </Field>
      <Field label="Match">
        <Select
          testId="form-match"
          value={data.match ?? 'any'}
          readOnly={readOnly}
          options={[
            { value: 'any', label: 'holds any of them' },
            { value: 'all', label: 'holds all of them' },
          ]}
          onChange={(v) => onChange({ ...data, match: v })}
        />
      </Field>
    </>
  );
}

export const productSpec: EditorNodeSpec<'product'> = {
  color: '#ca8a04',
  icon: '◆',
  summary: (d) => {
    const list = Array.isArray(d.products) ? (d.products as string[]) : [];
    return list.length ? `${d.match === 'all' ? 'all of' : 'any of'} ${list.join(', ')}` : 'pick products';
  },
  Form: ProductForm,
  controls: { products: 'form-products', match: 'form-match' },
};
