/**
 * Shared pieces of the property-test generators of node data (engine/nodes/<kind>/arbitrary.ts): a small vocabulary of
 * claim paths, request properties, values, products and bucket ids that generated graphs and generated facts share,
 * so comparisons hit, miss, meet arrays, nulls and type mismatches often. Test-only: imports fast-check (a
 * devDependency); the engine's entry never reaches this module (test/architecture/imports.test.ts checks it).
 */
import fc from 'fast-check';
import { OPERATORS, type Operator, operandKind, type Primitive } from './compare';
import type { SubjectSource } from './subject';

export const VOCABULARY = {
  /** Claim property paths nodes test (dot paths, one bracketed key with dots). */
  claims: ['state', 'age', 'roles', 'org.plan', '["https://x.com/tier"]'],
  /** Request properties nodes test. */
  requestProperties: ['device', 'country', 'query.utm', 'token.status', 'custom.segment'],
  strings: ['Alabama', 'Texas', 'gold', 'admin', 'pro', 'x', ''],
  numbers: [0, 1, 17, 18, 42, -3.5],
  products: ['gold', 'silver', 'bronze'],
  bucketIds: ['a', 'b', 'c'],
} as const;

/** A string, number or boolean from the vocabulary. */
export const primitive: fc.Arbitrary<Primitive> = fc.oneof(
  fc.constantFrom(...VOCABULARY.strings),
  fc.constantFrom(...VOCABULARY.numbers),
  fc.boolean(),
);

/** An operand `op` accepts (undefined for exists/notExists). */
export function operand(op: Operator): fc.Arbitrary<Primitive | Primitive[] | undefined> {
  switch (operandKind(op)) {
    case 'none':
      return fc.constant(undefined);
    case 'list':
      return fc.array(primitive, { minLength: 1, maxLength: 3 });
    case 'string':
      return fc.constantFrom(...VOCABULARY.strings);
    case 'orderable':
      return fc.oneof(fc.constantFrom(...VOCABULARY.numbers), fc.constantFrom(...VOCABULARY.strings));
    default:
      return primitive;
  }
}

/** An operator with an operand it accepts. */
export const comparison: fc.Arbitrary<{ operator: Operator; value: Primitive | Primitive[] | undefined }> = fc
  .constantFrom(...OPERATORS)
  .chain((op) => operand(op).map((value) => ({ operator: op, value })));

/** A claim or request property from the vocabulary. */
export const subject: fc.Arbitrary<{ source: SubjectSource; property: string }> = fc.oneof(
  fc.constantFrom(...VOCABULARY.claims).map((property) => ({ source: 'claim' as const, property })),
  fc.constantFrom(...VOCABULARY.requestProperties).map((property) => ({ source: 'request' as const, property })),
);

/** Values of a list-valued test of `op`: none for exists/notExists, else one to three operands of the operator's kind. */
export function operandList(op: Operator): fc.Arbitrary<Primitive[]> {
  const kind = operandKind(op);
  if (kind === 'none') return fc.constant([]);
  if (kind === 'list') return fc.array(primitive, { minLength: 1, maxLength: 3 });
  return fc.array(operand(op) as fc.Arbitrary<Primitive>, { minLength: 1, maxLength: 3 });
}
