// Answers for requests Node's HTTP parser gives up on before Fastify sees them (a request that
// took longer than REQUEST_TIMEOUT_MS, headers above MAX_HEADER_BYTES, malformed HTTP): the same
// JSON error shape as every other answer, with a request id that the log line also carries, and
// a message naming the setting. Fastify's default answers {"message":"Client Error"} here. No
// route or hook runs for them, so each is counted here (buy_again_http_refused_requests_total).
import { randomUUID } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { Config } from '../config.js'
import type { ParserRefusalStatusCode } from '../observability/service-metrics.js'
import { ERROR_CODES, errorBodyOf } from './errors.js'

type ClientErrorHandler = (error: NodeJS.ErrnoException, socket: Socket) => void
/** The codes of these answers; their statuses are the closed set the refusal counter is labelled with. */
type RefusalCode = 'REQUEST_TIMEOUT' | 'HEADERS_TOO_LARGE' | 'BAD_REQUEST'

function describe (error: NodeJS.ErrnoException, config: Pick<Config, 'requestTimeoutMs' | 'maxHeaderBytes'>, headersTimeoutMs: number): { code: RefusalCode, message: string } {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return config.requestTimeoutMs > 0
        ? { code: 'REQUEST_TIMEOUT', message: `the request was not received completely within ${config.requestTimeoutMs} ms (REQUEST_TIMEOUT_MS)` }
        // REQUEST_TIMEOUT_MS=0 lifts the limit on the whole request; Node still limits the headers.
        : { code: 'REQUEST_TIMEOUT', message: `the request headers were not received within ${headersTimeoutMs} ms (Node's headers timeout; REQUEST_TIMEOUT_MS is 0)` }
    case 'HPE_HEADER_OVERFLOW':
      return { code: 'HEADERS_TOO_LARGE', message: `request headers are larger than the limit of ${config.maxHeaderBytes} bytes (MAX_HEADER_BYTES)` }
    default:
      return { code: 'BAD_REQUEST', message: 'the request is not valid HTTP/1.1' }
  }
}

/**
 * Requests answered before their body had all arrived (a 404 or 415 says so without reading a large
 * body), by connection. When the client then stops sending and closes, the parser reports the body cut
 * short: that request was answered and counted already, so it is no refusal. Only while its body is
 * still incomplete: a later request on the same kept-alive connection is judged on its own.
 */
export type AnsweredEarly = WeakMap<Socket, IncomingMessage>

/**
 * `refused` is told the status of each refusal (also when the connection is only closed, an answer
 * already going out on it); connections in `answeredEarly` are closed without one.
 */
export function clientErrorHandler (config: Pick<Config, 'requestTimeoutMs' | 'maxHeaderBytes'>, app: () => FastifyInstance,
  refused: (statusCode: ParserRefusalStatusCode) => void, answeredEarly: AnsweredEarly): ClientErrorHandler {
  return (error, socket) => {
    // A reset connection or one already gone has nobody left to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return
    if (answeredEarly.get(socket)?.complete === false) {
      socket.destroy()
      return
    }
    const { code, message } = describe(error, config, app().server.headersTimeout)
    const status = ERROR_CODES[code].status
    refused(status)
    const requestId = randomUUID()
    app().log.info({ requestId, code, parserError: error.code }, 'request refused by the HTTP parser')
    // Node's own safeguard: when an answer on this connection has started going out, more bytes
    // would corrupt it, so the connection is only closed.
    const answering = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage
    if (socket.writable && answering?.headersSent !== true) {
      const text = JSON.stringify(errorBodyOf(code, message, requestId))
      socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(text)}\r\nx-request-id: ${requestId}\r\nConnection: close\r\n\r\n${text}`)
    }
    socket.destroy(error)
  }
}
