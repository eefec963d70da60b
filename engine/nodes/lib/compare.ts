/**
 * Comparison operators shared by `jwtClaim` and `request` nodes, with one documented meaning for
 * missing values, arrays and type mismatches (see docs/OPERATORS.md):
 * - missing: `undefined` or `null` is "missing". `exists` is false, every other positive operator is false,
 *   and every negated operator (`notEquals`, `notContains`, `notIn`, `notExists`) is the exact negation of its
 *   positive twin, so it is true.
 * - arrays: an array-valued fact passes a positive operator when ANY element passes it; the negated operator
 *   passes when NO element does. `exists` is true for any array, even empty.
 * - type mismatches: no coercion. `equals` is strict (`"5"` is not `5`); ordering operators compare two finite
 *   numbers numerically or two strings by code unit order, any other mix is false; `startsWith`/`endsWith`
 *   need a string; objects never pass a positive operator.
 */

export const OPERATORS = [
  'equals',
  'notEquals',
  'contains',
  'notContains',
  'in',
  'notIn',
  'exists',
  'notExists',
  'greaterThan',
  'greaterThanOrEqual',
  'lessThan',
  'lessThanOrEqual',
  'startsWith',
  'endsWith',
] as const;
export type Operator = (typeof OPERATORS)[number];

export type Primitive = string | number | boolean;

const NEGATED: Partial<Record<Operator, Operator>> = {
  notEquals: 'equals',
  notContains: 'contains',
  notIn: 'in',
  notExists: 'exists',
};

/** What operand each operator takes: none, one primitive, a list of primitives, or an orderable value. */
export function operandKind(op: Operator): 'none' | 'primitive' | 'list' | 'orderable' | 'string' {
  switch (op) {
    case 'exists':
    case 'notExists':
      return 'none';
    case 'in':
    case 'notIn':
      return 'list';
    case 'greaterThan':
    case 'greaterThanOrEqual':
    case 'lessThan':
    case 'lessThanOrEqual':
      return 'orderable';
    case 'startsWith':
    case 'endsWith':
      return 'string';
    default:
      return 'primitive';
  }
}

function isMissing(v: unknown): boolean {
  return v === undefined || v === null;
}

function ordered(a: unknown, b: unknown, test: (c: number) => boolean): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
    return test(a < b ? -1 : a > b ? 1 : 0);
  }
  if (typeof a === 'string' && typeof b === 'string') return test(a < b ? -1 : a > b ? 1 : 0);
  return false;
}

/** Positive test on one scalar (non-array) value that is present. */
function scalarTest(op: Operator, v: unknown, operand: unknown): boolean {
  switch (op) {
    case 'equals':
      return v === operand;
    case 'contains':
      return typeof v === 'string' && typeof operand === 'string' && v.includes(operand);
    case 'in':
      return Array.isArray(operand) && operand.includes(v);
    case 'greaterThan':
      return ordered(v, operand, (c) => c > 0);
    case 'greaterThanOrEqual':
      return ordered(v, operand, (c) => c >= 0);
    case 'lessThan':
      return ordered(v, operand, (c) => c < 0);
    case 'lessThanOrEqual':
      return ordered(v, operand, (c) => c <= 0);
    case 'startsWith':
      return typeof v === 'string' && typeof operand === 'string' && v.startsWith(operand);
    case 'endsWith':
      return typeof v === 'string' && typeof operand === 'string' && v.endsWith(operand);
    default:
      return false;
  }
}

function positive(op: Operator, v: unknown, operand: unknown): boolean {
  if (op === 'exists') return !isMissing(v);
  if (isMissing(v)) return false;
  if (Array.isArray(v)) {
    // `contains` on an array means "has an element equal to the operand"; other operators apply per element.
    const elementOp: Operator = op === 'contains' ? 'equals' : op;
    for (const item of v) {
      if (!isMissing(item) && !Array.isArray(item) && scalarTest(elementOp, item, operand)) return true;
    }
    return false;
  }
  return scalarTest(op, v, operand);
}

/**
 * Applies `op` to the fact value `actual` and the rule's `operand`.
 * @example compare('contains', ['gold', 'silver'], 'gold') // true
 */
export function compare(op: Operator, actual: unknown, operand: unknown): boolean {
  const twin = NEGATED[op];
  if (twin) return !positive(twin, actual, operand);
  return positive(op, actual, operand);
}

/** Human wording of an operator, for reasons and the editor. */
export const OPERATOR_LABELS: Record<Operator, string> = {
  equals: 'equals',
  notEquals: 'does not equal',
  contains: 'contains',
  notContains: 'does not contain',
  in: 'is one of',
  notIn: 'is not one of',
  exists: 'exists',
  notExists: 'does not exist',
  greaterThan: 'is greater than',
  greaterThanOrEqual: 'is greater than or equal to',
  lessThan: 'is less than',
  lessThanOrEqual: 'is less than or equal to',
  startsWith: 'starts with',
  endsWith: 'ends with',
};
