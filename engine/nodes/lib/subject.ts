/**
 * The subject of a comparison: a claim of the verified token (a property path) or a request property
 * (`device`, `query.<name>`, ...). Shared by node kinds that compare several subjects in one node.
 */
import { z } from 'zod';
import { isRequestProperty, REQUEST_PROPERTIES } from '../request/definition';
import { parsePropertyPath } from './property-path';

export const SUBJECT_SOURCES = ['claim', 'request'] as const;
export type SubjectSource = (typeof SUBJECT_SOURCES)[number];

/** The facts each source reads. */
export const SOURCE_FACT = { claim: 'claims', request: 'request' } as const satisfies Record<SubjectSource, string>;

export const subjectSourceSchema = z.enum(SUBJECT_SOURCES);
export const subjectPropertySchema = z.string().min(1, 'the property is required').max(256);

/** Why `property` is not a valid property of `source`, or null. */
export function subjectProblem(source: SubjectSource, property: string): string | null {
  if (source === 'request') {
    return isRequestProperty(property)
      ? null
      : `unknown request property "${property}" (use ${REQUEST_PROPERTIES.join(', ')}, query.<name> or custom.<name>)`;
  }
  const parsed = parsePropertyPath(property);
  return parsed.ok ? null : `bad property path: ${parsed.error}`;
}

/** The path segments of a validated subject inside its fact. */
export function subjectSegments(source: SubjectSource, property: string): string[] {
  if (source === 'request') {
    const dot = property.indexOf('.');
    return dot < 0 ? [property] : [property.slice(0, dot), property.slice(dot + 1)];
  }
  const parsed = parsePropertyPath(property);
  if (!parsed.ok) throw new TypeError(`claim property was not validated: ${property}`);
  return parsed.segments;
}

export function describeSubject(source: SubjectSource, property: string): string {
  return `${source} ${property}`;
}
