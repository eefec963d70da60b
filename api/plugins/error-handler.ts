/** One error handler: every error leaves as `{ error: { code, message, field? ... } }` with a catalogue status. */
import type { FastifyError, FastifyInstance } from 'fastify';
import { ClaimflowError, type ErrorCode, isClaimflowError } from '../../engine';
import { errorBody } from '../lib/http-errors';
import { ContractValidationError, ResponseContractError, validationErrorOf } from './contract';
import { PLUGIN, sharedPlugin } from './define-plugin';

/** Fastify's own 4xx errors (body parsing, media type, limits) translated into catalogue codes, at this one place. */
export function translateFrameworkError(fe: FastifyError): ClaimflowError | null {
  const status = fe.statusCode ?? 500;
  if (status < 400 || status >= 500) return null;
  const byStatus: Partial<Record<number, [ErrorCode, string, string?]>> = {
    404: ['CF_NOT_FOUND', 'not found'],
    408: ['CF_REQUEST_TIMEOUT', 'the request was not received within the time limit'],
    413: ['CF_BODY_TOO_LARGE', 'the request body is too large', 'body'],
    415: ['CF_MEDIA_TYPE_UNSUPPORTED', 'send the body as application/json', 'content-type'],
    429: ['CF_AUTH_RATE_LIMITED', 'too many requests'],
  };
  const known = byStatus[status];
  if (known) return new ClaimflowError(known[0], known[1], known[2] ? { field: known[2] } : {});
  if (fe.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH')
    return new ClaimflowError('CF_REQUEST_INVALID', 'the content-length header does not match the body', {
      field: 'content-length',
    });
  const aboutBody = fe.validation || fe.code?.startsWith('FST_ERR_CTP_') || fe instanceof SyntaxError;
  if (!aboutBody) return new ClaimflowError('CF_REQUEST_INVALID', fe.message || 'the request is not valid');
  const message = fe.validation ? `body: ${fe.message}` : `body: not valid JSON (${fe.message})`;
  return new ClaimflowError('CF_REQUEST_INVALID', message, { field: 'body' });
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ClaimflowError | Error, request, reply) => {
    if (error instanceof ContractValidationError) {
      const coded = validationErrorOf(error, request);
      return reply.status(coded.statusCode).send(errorBody(coded));
    }
    if (
      error instanceof ResponseContractError ||
      (error as { cause?: unknown }).cause instanceof ResponseContractError
    ) {
      const cause = error instanceof ResponseContractError ? error : ((error as { cause: Error }).cause as Error);
      request.log.error({ err: cause }, cause.message);
      // the error body itself must not go through the failing schema again
      return reply
        .status(500)
        .serializer(JSON.stringify)
        .send(
          errorBody(
            new ClaimflowError('CF_INTERNAL', `response contract broken (request ${request.id}): ${cause.message}`),
          ),
        );
    }
    if (isClaimflowError(error)) {
      if (error.statusCode >= 500) request.log.error({ err: error }, error.message);
      return reply.status(error.statusCode).send(errorBody(error));
    }
    const translated = translateFrameworkError(error as FastifyError);
    if (translated) return reply.status(translated.statusCode).send(errorBody(translated));
    request.log.error({ err: error }, 'unexpected error');
    return reply
      .status(500)
      .send(errorBody(new ClaimflowError('CF_INTERNAL', `an unexpected error happened (request ${request.id})`)));
  });
}

/** The error handler at the root (a plugin can set its own, as OFREP does). */
export const errorHandler = sharedPlugin(PLUGIN.errorHandler, async (app) => installErrorHandler(app));
