/**
 * Replay suites: cases of sample input with the expected decision. A suite file is JSON described by
 * docs/suite.schema.json (emitted from these zod schemas).
 */
import { z } from 'zod';
import { type Problem, problem, zodProblems } from '../errors/problem';
import { USER_STATES } from '../facts/facts';
import { RequestContextSchema } from '../facts/request-context';

export const MAX_SUITE_CASES = 100_000;

export const ReplayInputSchema = z
  .object({
    /** Claims treated as verified (the signature is not checked). */
    claims: z.record(z.string(), z.unknown()).optional(),
    /** A signed token, verified with the live JWT settings. */
    token: z.string().max(8192).optional(),
    context: RequestContextSchema.optional(),
    /** Fixed evaluation time (ISO-8601), for schedule nodes and meters. */
    now: z.iso.datetime({ offset: true }).optional(),
    /** Visitor id for split tests when the claims carry no foreign user id. */
    visitorId: z.string().max(256).optional(),
    /** Meter state to assume per trial node id (replay never counts uses); default: allowed. */
    trials: z.record(z.string(), z.enum(['allowed', 'exhausted'])).optional(),
  })
  .strict()
  .refine((input) => !(input.claims && input.token), { message: 'give claims or a token, not both', path: ['token'] });

export const ReplayExpectSchema = z
  .object({
    decision: z.string().min(1).nullable(),
    path: z.array(z.string()).optional(),
    userState: z.enum(USER_STATES).optional(),
  })
  .strict();

export const ReplayCaseSchema = z
  .object({
    name: z.string().min(1, 'every case needs a name').max(200),
    input: ReplayInputSchema,
    expect: ReplayExpectSchema,
  })
  .strict();

export const SuiteSchema = z
  .object({
    $schema: z.string().optional(),
    name: z.string().min(1).max(200),
    feature: z.string().max(128).optional(),
    cases: z.array(ReplayCaseSchema).max(MAX_SUITE_CASES),
  })
  .strict();

export type ReplayInput = z.infer<typeof ReplayInputSchema>;
export type ReplayCase = z.infer<typeof ReplayCaseSchema>;
export type Suite = z.infer<typeof SuiteSchema>;

/** A problem of a suite: code CF_SUITE_INVALID, naming the case (index and name, when it is one) and the field. */
export type SuiteProblem = Problem & { field: string };

/**
 * Parses an untrusted suite (file or request body); every problem names the case (index and name) and the field.
 * @example parseSuite(JSON.parse(text)) // { ok: true, suite } | { ok: false, problems }
 */
export function parseSuite(input: unknown): { ok: true; suite: Suite } | { ok: false; problems: SuiteProblem[] } {
  const parsed = SuiteSchema.safeParse(input);
  if (parsed.success) {
    const names = new Map<string, number>();
    const problems: SuiteProblem[] = [];
    parsed.data.cases.forEach((c, i) => {
      const first = names.get(c.name);
      const field = `cases.${i}.name`;
      if (first !== undefined)
        problems.push({
          ...problem('CF_SUITE_INVALID', `case name "${c.name}" is used twice (cases ${first} and ${i})`, {
            caseIndex: i,
            caseName: c.name,
          }),
          field,
        });
      else names.set(c.name, i);
    });
    return problems.length ? { ok: false, problems } : { ok: true, suite: parsed.data };
  }
  const raw = input as { cases?: unknown[] } | null;
  const caseOf = (path: readonly PropertyKey[]) => {
    const caseIndex = path[0] === 'cases' && typeof path[1] === 'number' ? path[1] : undefined;
    const rawCase =
      caseIndex !== undefined && Array.isArray(raw?.cases) ? (raw.cases[caseIndex] as { name?: unknown } | null) : null;
    const caseName = rawCase && typeof rawCase.name === 'string' ? rawCase.name : undefined;
    return { caseIndex, caseName };
  };
  const problems = zodProblems(parsed.error, 'CF_SUITE_INVALID', {
    locate: caseOf,
    whole: 'suite',
    lead: (path) => {
      const { caseIndex, caseName } = caseOf(path);
      return caseIndex !== undefined ? `case ${caseIndex}${caseName ? ` "${caseName}"` : ''}: ` : '';
    },
  }).map((p) => ({ ...p, field: p.field ?? '' }));
  return { ok: false, problems };
}
