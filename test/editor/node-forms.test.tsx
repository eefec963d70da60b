/**
 * Every field of every kind's data schema has a form control: each editor spec names the control of each field (a
 * type check makes the list complete), and here each form is rendered and every named control is found in it.
 */
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { EDITOR_NODES } from '../../editor/src/nodes/registry';
import { NODE_KINDS, nodeDefinition } from '../../engine';

const products = [{ id: 'gold', name: 'Gold', claimValues: ['gold'], entitlementIds: [] }];

describe('node forms', () => {
  it.each(NODE_KINDS)('the %s form has a control for every field of its schema', (kind) => {
    const spec = EDITOR_NODES[kind];
    const shape = (nodeDefinition(kind).dataSchema as unknown as { shape?: Record<string, unknown> }).shape;
    const fields = Object.keys(shape ?? {});
    expect(Object.keys(spec.controls).sort()).toEqual([...fields].sort());
    if (fields.length === 0) return;
    if (!spec.Form) throw new Error(`${kind} has fields but no form`);
    const data = (spec.defaultData?.() ?? nodeDefinition(kind).defaultData()) as Record<string, unknown>;
    const html = renderToStaticMarkup(
      <spec.Form data={data} onChange={() => {}} products={products as never} decisions={[]} readOnly={false} />,
    );
    for (const [field, testId] of Object.entries(spec.controls))
      expect(html, `${kind}.${field}`).toContain(`data-testid="${testId}"`);
  });

  it('the trial meter form edits its time zone', () => {
    const spec = EDITOR_NODES.trial;
    expect(spec.controls.timeZone).toBe('form-timezone');
    const html = renderToStaticMarkup(
      spec.Form ? (
        <spec.Form
          data={{ allowance: 3, period: 'calendarMonth', timeZone: 'Europe/Berlin' }}
          onChange={() => {}}
          products={[]}
          decisions={[]}
          readOnly={false}
        />
      ) : null,
    );
    expect(html).toMatch(/<select data-testid="form-timezone"[^>]*>/);
    expect(html).toContain('<option value="Europe/Berlin" selected="">Europe/Berlin</option>');
  });
});
