/**
 * The JSON body parser of the service, in place of Fastify's: an empty body is no body (many clients send
 * `content-type: application/json` on a DELETE without one), and nesting deeper than the limit is refused with 422
 * `CF_JSON_TOO_DEEP` naming the field, before the text is parsed, so no schema, validator or store sees it.
 * Parsing itself stays Fastify's (secure-json-parse: `__proto__` and `constructor.prototype` keys are refused).
 */
import type { FastifyBodyParser, FastifyInstance } from 'fastify';
import { ClaimflowError } from '../../engine';
import { jsonDepthProblem } from '../lib/json-depth';
import { PLUGIN, sharedPlugin } from './define-plugin';

export function installJsonBodyParser(app: FastifyInstance, options: { maxDepth: number }): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  const parser: FastifyBodyParser<string> = (request, body, done) => {
    const text = body;
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
  };
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parser);
  // Routes that take another JSON media type (PATCH with application/merge-patch+json) parse it the same way.
  app.decorate('jsonBodyParser', parser);
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The service's JSON body parser (empty body allowed, nesting bounded), for other JSON media types. */
    jsonBodyParser: FastifyBodyParser<string>;
  }
}

/** The parser at the root, decorating `jsonBodyParser`. */
export const jsonBody = sharedPlugin<{ maxDepth: number }>(PLUGIN.jsonBody, async (app, options) =>
  installJsonBodyParser(app, options),
);
