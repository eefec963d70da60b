/** `request`: tests a request fact (device, country, referrer, path, query.<name>, custom.<name>, token.status...). */
import { z } from 'zod';
import {
  checkOperand,
  comparisonBranches,
  comparisonCondition,
  comparisonValueSchema,
  describeComparison,
  operatorSchema,
  prepareComparison,
} from '../lib/comparison-node';
import { COMPARISON_OPERATORS } from '../lib/conditions';
import { defineNode } from '../node-definition';

export const REQUEST_PROPERTIES = ['device', 'country', 'referrer', 'path', 'userAgent', 'contentId', 'token.status'];
const PREFIXED = /^(query|custom)\.[^.\s]{1,128}$/;

export function isRequestProperty(property: string): boolean {
  return REQUEST_PROPERTIES.includes(property) || PREFIXED.test(property);
}

export const requestDataSchema = z
  .object({
    property: z.string().min(1, 'the request property is required').max(140),
    operator: operatorSchema,
    value: comparisonValueSchema.optional(),
  })
  .superRefine((data, ctx) => {
    if (!isRequestProperty(data.property)) {
      ctx.addIssue({
        code: 'custom',
        path: ['property'],
        message: `unknown request property "${data.property}" (use ${REQUEST_PROPERTIES.join(', ')}, query.<name> or custom.<name>)`,
      });
    }
    checkOperand(data.operator, data.value, ctx);
  });

type RequestData = z.infer<typeof requestDataSchema>;

function segments(data: RequestData): string[] {
  const dot = data.property.indexOf('.');
  return dot < 0 ? [data.property] : [data.property.slice(0, dot), data.property.slice(dot + 1)];
}

export const requestNode = defineNode({
  kind: 'request',
  label: 'Request',
  description: 'Tests the request: device, country, referrer, path, query parameters, content id, token status.',
  dataSchema: requestDataSchema,
  terminal: false,
  operators: COMPARISON_OPERATORS,
  defaultData: () => ({ property: 'device', operator: 'equals', value: 'mobile' }),
  branches: comparisonBranches,
  condition: (data, branch) => comparisonCondition('request', segments(data), data.operator, data.value, branch),
  prepare: (data) =>
    prepareComparison(
      'request',
      segments(data),
      data.operator,
      data.value,
      describeComparison(`request ${data.property}`, data.operator, data.value),
    ),
});
