// application/json request bodies: strict UTF-8 (invalid bytes are an error, not U+FFFD), prototype
// poisoning refused, and error messages that say what is wrong (Fastify's default parser answers
// "Body is not valid JSON" for all of these).
import type { FastifyInstance } from 'fastify'
import secureJson from 'secure-json-parse'
import { ServiceError } from './errors.js'

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** The body as text, or a 400 naming the encoding problem (invalid bytes are never replaced silently). */
export function decodeUtf8Body (bytes: Buffer, what: 'JSON' | 'CSV'): string {
  try {
    return utf8.decode(bytes)
  } catch {
    throw new ServiceError(what === 'JSON' ? 'INVALID_JSON' : 'INVALID_CSV', `body is not valid UTF-8 (${what} bodies must be UTF-8 encoded)`)
  }
}

export function parseJsonBody (bytes: Buffer): unknown {
  const text = decodeUtf8Body(bytes, 'JSON')
  if (text === '') throw new ServiceError('EMPTY_BODY', 'body is empty: send a JSON object')
  try {
    return secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' })
  } catch (err) {
    const message = (err as Error).message
    if (/forbidden (prototype|constructor)/i.test(message)) {
      // secure-json-parse says "prototype" for both kinds; the text tells which key it was.
      const key = /"__proto__"\s*:/.test(text) ? '__proto__' : 'constructor.prototype'
      throw new ServiceError('INVALID_JSON', `body has a forbidden "${key}" key`)
    }
    throw new ServiceError('INVALID_JSON', `body is not valid JSON: ${message.slice(0, 200)}`)
  }
}

/** Replaces Fastify's JSON parser on `app` (the body limit still applies: Fastify enforces it while reading). */
export function useStrictJsonParser (app: FastifyInstance): void {
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer))
    } catch (err) {
      done(err as Error, undefined)
    }
  })
}
