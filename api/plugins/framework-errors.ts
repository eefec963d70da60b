/**
 * Errors raised by Fastify's router and Node's HTTP parser, before any route runs, in the one error shape
 * `{ error: { code, message } }` with catalogue codes: bad percent-encoding, an over-long path parameter,
 * oversized headers, malformed HTTP, header and request timeouts.
 */

import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { ClaimflowError, type ErrorCode } from '../../engine';
import { errorBody } from '../lib/http-errors';

const MESSAGES: Partial<Record<string, [ErrorCode, string]>> = {
  FST_ERR_BAD_URL: ['CF_URL_INVALID', 'the path is not a valid URL (bad percent-encoding)'],
  FST_ERR_MAX_PARAM_LENGTH: ['CF_PARAM_TOO_LONG', 'a path parameter is longer than 100 characters'],
};

/** Fastify `frameworkErrors`: router errors answered in the error shape (the URL itself is not echoed). */
export const frameworkErrors: NonNullable<FastifyServerOptions['frameworkErrors']> = (
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
) => {
  const [code, message] = MESSAGES[error.code] ?? ['CF_REQUEST_INVALID', 'the request cannot be routed'];
  const coded = new ClaimflowError(code, message, { field: 'url' });
  reply.status(coded.statusCode).send(errorBody(coded));
};

/** The coded error for an error Node's HTTP server reports on a socket before a request exists. */
export function clientErrorOf(error: NodeJS.ErrnoException): ClaimflowError {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new ClaimflowError('CF_HEADERS_TOO_LARGE', 'the request headers are larger than 16 KiB', {
        field: 'headers',
      });
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new ClaimflowError('CF_REQUEST_TIMEOUT', 'the request was not received within the time limit');
    default:
      return new ClaimflowError('CF_HTTP_MALFORMED', 'the request is not well-formed HTTP/1.1');
  }
}

/** Fastify `clientErrorHandler`: writes the coded error on the raw socket, then closes it. */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const coded = clientErrorOf(error);
  if (socket.writable) {
    const body = JSON.stringify(errorBody(coded));
    socket.write(
      `HTTP/1.1 ${coded.statusCode} ${STATUS_CODES[coded.statusCode]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
