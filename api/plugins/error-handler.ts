/** One error handler: every error leaves as `{ error: { code, message, field? ... } }` with a catalogue status. */
import type { FastifyError, FastifyInstance } from 'fastify';
import { ClaimflowError, isClaimflowError } from '../../engine';
import { errorBody } from '../lib/http-errors';

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ClaimflowError | Error, request, reply) => {
    if (isClaimflowError(error)) {
      if (error.statusCode >= 500) request.log.error({ err: error }, error.message);
      return reply.status(error.statusCode).send(errorBody(error));
    }
    const fe = error as FastifyError;
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply
        .status(413)
        .send(errorBody(new ClaimflowError('CF_BODY_TOO_LARGE', 'the request body is too large')));
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      const message =
        fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
          ? 'send the body as application/json'
          : fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
            ? 'the JSON body is empty'
            : fe.validation
              ? `body: ${fe.message}`
              : `body: not valid JSON (${fe.message})`;
      return reply
        .status(fe.statusCode === 415 ? 415 : 400)
        .send(errorBody(new ClaimflowError('CF_REQUEST_INVALID', message, { field: 'body' })));
    }
    request.log.error({ err: error }, 'unexpected error');
    return reply
      .status(500)
      .send(errorBody(new ClaimflowError('CF_INTERNAL', `an unexpected error happened (request ${request.id})`)));
  });
}
