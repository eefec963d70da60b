/** The product catalogue (claim values, entitlements) and the entitlement tree. */
import { useCallback, useEffect, useState } from 'react';
import { api, describeError, type Entitlement, type Product } from '../api/client';
import { can, usePrincipal } from './session';

function tree(entitlements: Entitlement[]): Array<{ e: Entitlement; depth: number }> {
  const out: Array<{ e: Entitlement; depth: number }> = [];
  const walk = (parent: string | null, depth: number) => {
    for (const e of entitlements.filter((x) => x.parentId === parent)) {
      out.push({ e, depth });
      walk(e.id, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

export function CataloguePage() {
  // Catalogue writes need the admin role; others see the catalogue without its edit controls.
  const isAdmin = can(usePrincipal()?.role, 'admin');
  const [products, setProducts] = useState<Product[]>([]);
  const [entitlements, setEntitlements] = useState<Entitlement[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [ent, setEnt] = useState({ id: '', name: '', parentId: '' });
  const [prod, setProd] = useState({ id: '', name: '', claimValues: '', entitlementIds: [] as string[] });

  const load = useCallback(async () => {
    try {
      const [p, e] = await Promise.all([
        api<Product[]>('GET', '/products'),
        api<Entitlement[]>('GET', '/entitlements'),
      ]);
      setProducts(p);
      setEntitlements(e);
    } catch (err) {
      setError(describeError(err));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const act = async (fn: () => Promise<unknown>) => {
    setError(null);
    try {
      await fn();
      await load();
      return true;
    } catch (err) {
      setError(describeError(err));
      return false;
    }
  };

  return (
    <div className="page catalogue">
      <h2>Catalogue</h2>
      <p className="muted">
        Products are recognised from the token's products claim by their claim values; each grants entitlements, and an
        entitlement grants all the ones below it.
      </p>
      {error ? (
        <p className="error" role="alert" data-testid="catalogue-error">
          {error}
        </p>
      ) : null}
      <div className="grid2">
        <section className="card">
          <h3>Entitlements</h3>
          <ul className="tree" data-testid="entitlement-tree">
            {tree(entitlements).map(({ e, depth }) => (
              <li key={e.id} style={{ paddingLeft: depth * 18 }}>
                {e.name} <code>{e.id}</code>
                {isAdmin ? (
                  <button
                    className="link"
                    onClick={() => act(() => api('DELETE', `/entitlements/${encodeURIComponent(e.id)}`))}
                  >
                    delete
                  </button>
                ) : null}
              </li>
            ))}
          </ul>
          {isAdmin ? (
            <form
              className="form-row"
              onSubmit={async (e) => {
                e.preventDefault();
                if (
                  await act(() =>
                    api('PUT', `/entitlements/${encodeURIComponent(ent.id.trim())}`, {
                      name: ent.name.trim() || ent.id.trim(),
                      parentId: ent.parentId || null,
                    }),
                  )
                )
                  setEnt({ id: '', name: '', parentId: '' });
              }}
            >
              <label className="field">
                <span className="field-label">Id</span>
                <input
                  data-testid="entitlement-id"
                  placeholder="id, e.g. premium"
                  value={ent.id}
                  onChange={(e) => setEnt({ ...ent, id: e.target.value })}
                />
              </label>
              <label className="field">
                <span className="field-label">Name</span>
                <input
                  data-testid="entitlement-name"
                  placeholder="name"
                  value={ent.name}
                  onChange={(e) => setEnt({ ...ent, name: e.target.value })}
                />
              </label>
              <label className="field">
                <span className="field-label">Parent</span>
                <select
                  data-testid="entitlement-parent"
                  value={ent.parentId}
                  onChange={(e) => setEnt({ ...ent, parentId: e.target.value })}
                >
                  <option value="">(top level)</option>
                  {entitlements.map((x) => (
                    <option key={x.id} value={x.id}>
                      under {x.name}
                    </option>
                  ))}
                </select>
              </label>
              <button className="primary" data-testid="entitlement-save" disabled={!ent.id.trim()}>
                Save entitlement
              </button>
            </form>
          ) : null}
        </section>
        <section className="card">
          <h3>Products</h3>
          <table className="table" data-testid="products-table">
            <thead>
              <tr>
                <th>Product</th>
                <th>Claim values</th>
                <th>Entitlements</th>
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {products.map((p) => (
                <tr key={p.id} data-testid={`product-row-${p.id}`}>
                  <td>
                    {p.name} <code>{p.id}</code>
                  </td>
                  <td>{p.claimValues.join(', ')}</td>
                  <td>{p.entitlementIds.map((id) => entitlements.find((x) => x.id === id)?.name ?? id).join(', ')}</td>
                  <td>
                    {isAdmin ? (
                      <>
                        {' '}
                        <button
                          className="link"
                          onClick={() =>
                            setProd({
                              id: p.id,
                              name: p.name,
                              claimValues: p.claimValues.join(', '),
                              entitlementIds: p.entitlementIds,
                            })
                          }
                        >
                          edit
                        </button>
                        <button
                          className="link"
                          onClick={() => act(() => api('DELETE', `/products/${encodeURIComponent(p.id)}`))}
                        >
                          delete
                        </button>
                      </>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {isAdmin ? (
            <form
              className="form-row"
              onSubmit={async (e) => {
                e.preventDefault();
                const ok = await act(() =>
                  api('PUT', `/products/${encodeURIComponent(prod.id.trim())}`, {
                    name: prod.name.trim() || prod.id.trim(),
                    claimValues: prod.claimValues
                      .split(',')
                      .map((s) => s.trim())
                      .filter(Boolean),
                    entitlementIds: prod.entitlementIds,
                  }),
                );
                if (ok) setProd({ id: '', name: '', claimValues: '', entitlementIds: [] });
              }}
            >
              <label className="field">
                <span className="field-label">Id</span>
                <input
                  data-testid="product-id"
                  placeholder="id, e.g. gold"
                  value={prod.id}
                  onChange={(e) => setProd({ ...prod, id: e.target.value })}
                />
              </label>
              <label className="field">
                <span className="field-label">Name</span>
                <input
                  data-testid="product-name"
                  placeholder="name"
                  value={prod.name}
                  onChange={(e) => setProd({ ...prod, name: e.target.value })}
                />
              </label>
              <label className="field">
                <span className="field-label">Claim values (from the JWT)</span>
                <input
                  data-testid="product-claim-values"
                  placeholder="claim values, comma separated"
                  value={prod.claimValues}
                  onChange={(e) => setProd({ ...prod, claimValues: e.target.value })}
                />
              </label>
              <fieldset className="checks row">
                <legend className="field-label">Entitlements it grants</legend>
                {entitlements.map((x) => (
                  <label key={x.id} className="check">
                    <input
                      type="checkbox"
                      data-testid={`product-entitlement-${x.id}`}
                      checked={prod.entitlementIds.includes(x.id)}
                      onChange={() =>
                        setProd({
                          ...prod,
                          entitlementIds: prod.entitlementIds.includes(x.id)
                            ? prod.entitlementIds.filter((y) => y !== x.id)
                            : [...prod.entitlementIds, x.id],
                        })
                      }
                    />
                    {x.name}
                  </label>
                ))}
              </fieldset>
              <button className="primary" data-testid="product-save" disabled={!prod.id.trim()}>
                Save product
              </button>
            </form>
          ) : null}
        </section>
      </div>
    </div>
  );
}
