// Optional API-key authentication (API_KEYS): `Authorization: Bearer <key>`, compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { onRequestHookHandler } from 'fastify'
import { ServiceError } from './errors.js'

function digest (text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

/**
 * An onRequest hook that lets a request through only with a valid key, or null when no keys are set.
 * Keys are compared as SHA-256 digests with timingSafeEqual, against every key (no early exit),
 * so timing reveals neither a key's length nor its prefix.
 */
export function apiKeyHook (keys: readonly string[]): onRequestHookHandler | null {
  if (keys.length === 0) return null
  const digests = keys.map(digest)
  return (request, reply, done) => {
    const header = request.headers.authorization
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null
    let valid = false
    if (match !== null) {
      const presented = digest(match[1] as string)
      for (const d of digests) valid = timingSafeEqual(presented, d) || valid
    }
    if (valid) {
      done()
      return
    }
    reply.header('www-authenticate', 'Bearer')
    done(new ServiceError('UNAUTHORIZED', match === null
      ? 'this route needs an API key: send Authorization: Bearer <key>'
      : 'the API key is not valid'))
  }
}
