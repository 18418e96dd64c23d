// What every answer of this server has in common, written into the generated OpenAPI document
// (@fastify/swagger's transformObject): the x-request-id header on every answer, each response header
// defined once in components.headers, and on every operation the error statuses answered before any
// route runs (EDGE_ERRORS). Done on the document rather than in each route schema, so a route added
// later gets them too: they come from the app's hooks and Node's HTTP parser, not from the route.
import { EDGE_ERRORS } from './error-responses.js'

type Json = Record<string, unknown>

interface HeaderSpec {
  /** Name under components.headers. */
  readonly component: string
  readonly description: string
  readonly schema: Json
}

/** Every response header the document mentions, by its name on the wire (matched case-insensitively). */
const HEADERS: Readonly<Record<string, HeaderSpec>> = {
  'x-request-id': {
    component: 'RequestId',
    description: 'On every answer: the request id, also in the log line of the request and in the body of an error. An incoming x-request-id of up to 200 visible ASCII characters is reused; anything else is replaced by a UUID.',
    schema: { type: 'string', minLength: 1, maxLength: 200, examples: ['3f2b6c1e-8a4d-4f7e-9b0a-2c5d7e9f1a3b'] }
  },
  'Retry-After': {
    component: 'RetryAfter',
    description: 'Seconds to wait before sending the request again.',
    schema: { type: 'integer', minimum: 0, examples: [1] }
  },
  'WWW-Authenticate': {
    component: 'WwwAuthenticate',
    description: 'The authentication scheme the route wants: send `Authorization: Bearer <key>`.',
    schema: { type: 'string', examples: ['Bearer'] }
  },
  Allow: {
    component: 'Allow',
    description: 'The methods this path serves, comma-separated.',
    schema: { type: 'string', examples: ['POST', 'GET, HEAD'] }
  }
}

/**
 * Headers of a status on every route, whoever writes the body: every 401 comes from the API key hook
 * (api-key-auth.ts), which names the scheme, and every 405 from the not-found handler, which lists the
 * methods. Other headers are declared by the route schema that declares the status.
 */
const HEADERS_BY_STATUS: Readonly<Record<string, readonly string[]>> = {
  401: ['WWW-Authenticate'],
  405: ['Allow']
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'])

/** The wire name and definition of a header, found case-insensitively. */
function definitionOf (name: string): [string, HeaderSpec] {
  const found = Object.entries(HEADERS).find(([wireName]) => wireName.toLowerCase() === name.toLowerCase())
  if (found === undefined) throw new Error(`response header ${name} has no definition in openapi-wire.ts`)
  return found
}

/**
 * x-request-id and the headers the response names, each as a reference to its definition: a fresh
 * object each time, as the YAML writer would turn a shared one into anchors and aliases.
 */
function referencedHeaders (status: string, declared: readonly string[]): Json {
  return Object.fromEntries(['x-request-id', ...(HEADERS_BY_STATUS[status] ?? []), ...declared].map(definitionOf)
    .map(([wireName, spec]) => [wireName, { $ref: `#/components/headers/${spec.component}` }]))
}

function edgeResponse (status: number, description: string): Json {
  return {
    description,
    headers: referencedHeaders(String(status), []),
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } }
  }
}

function byStatus (responses: Json): Json {
  return Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)))
}

/** Adds the headers and edge statuses to every operation of `document` (in place) and returns it. */
export function describeWire<T extends object> (document: T): T {
  const doc = document as Json & { components?: Json, paths?: Record<string, Record<string, { responses?: Record<string, Json> }>> }
  const components = doc.components ?? {}
  doc.components = components
  components.headers = Object.fromEntries(Object.values(HEADERS).map((spec) =>
    [spec.component, { description: spec.description, required: true, schema: structuredClone(spec.schema) }]))
  components.responses = Object.fromEntries(Object.entries(EDGE_ERRORS).map(([name, { status, description }]) => [name, edgeResponse(status, description)]))
  for (const pathItem of Object.values(doc.paths ?? {})) {
    for (const [method, operation] of Object.entries(pathItem)) {
      if (!HTTP_METHODS.has(method)) continue
      const responses = operation.responses ?? {}
      for (const [status, response] of Object.entries(responses)) {
        if ('$ref' in response) continue
        const { description, headers, ...rest } = response
        responses[status] = { description, headers: referencedHeaders(status, Object.keys((headers ?? {}) as Json)), ...rest }
      }
      for (const [name, { status }] of Object.entries(EDGE_ERRORS)) {
        if (!(String(status) in responses)) responses[String(status)] = { $ref: `#/components/responses/${name}` }
      }
      operation.responses = byStatus(responses) as Record<string, Json>
    }
  }
  return document
}
