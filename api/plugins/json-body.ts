/**
 * The JSON body parser of the service, in place of Fastify's: an empty body is no body (many clients send
 * `content-type: application/json` on a DELETE without one), and nesting deeper than the limit is refused with 422
 * `CF_JSON_TOO_DEEP` naming the field, before the text is parsed, so no schema, validator or store sees it.
 * Parsing itself stays Fastify's (secure-json-parse: `__proto__` and `constructor.prototype` keys are refused).
 */
import type { FastifyInstance } from 'fastify';
import { ClaimflowError } from '../../engine';
import { jsonDepthProblem } from '../lib/json-depth';

export function installJsonBodyParser(app: FastifyInstance, options: { maxDepth: number }): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (text.trim().length === 0) return done(null, undefined);
    const deep = jsonDepthProblem(text, options.maxDepth);
    if (deep)
      return done(
        new ClaimflowError(
          'CF_JSON_TOO_DEEP',
          `${deep.field}: nested deeper than ${options.maxDepth} levels of arrays and objects`,
          { field: deep.field },
        ),
        undefined,
      );
    parseJson(request, text, done);
  });
}
