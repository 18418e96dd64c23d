// The OpenAPI document (/openapi.json, /openapi.yaml, the committed openapi.yaml) and the offline Swagger UI at /docs.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, readdir } from 'node:fs/promises'
import { parse as parseYaml } from 'yaml'
import { CUSTOMER_FIELDS, type FieldSpec } from '../src/domain/customer.js'
import { parseCsvBatch } from '../src/http/csv-body.js'
import { ERROR_CODES } from '../src/http/errors.js'
import { DOCS_BRANDING, OPENAPI_INFO } from '../src/http/routes/docs.js'
import { renderOpenApiYaml } from '../src/http/openapi-document.js'
import { buildTestApp } from './helpers/app.js'
import { committedStubModel } from './helpers/stub-model.js'
import type { Response } from './helpers/http.js'

interface SchemaJson {
  type?: string | string[]
  description?: string
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number | boolean
  required?: string[]
  additionalProperties?: boolean
  properties?: Record<string, SchemaJson>
  enum?: string[]
  $ref?: string
}
interface ResponseJson {
  $ref?: string
  description?: string
  headers?: Record<string, { $ref?: string }>
  content?: Record<string, { schema: SchemaJson }>
}
interface OperationJson {
  operationId?: string
  security?: Array<Record<string, string[]>>
  parameters?: Array<{ name: string, in: string, schema: SchemaJson }>
  requestBody?: { content: Record<string, { schema: SchemaJson, example?: unknown }> }
  responses: Record<string, ResponseJson>
}
interface OpenApiJson {
  openapi: string
  info: { title: string, version: string, license?: { name: string } }
  servers?: Array<{ url: string }>
  paths: Record<string, Record<string, OperationJson>>
  components: { schemas: Record<string, SchemaJson>, headers?: Record<string, { required?: boolean }>, responses?: Record<string, ResponseJson> }
}

const predictor = committedStubModel()
const app = await buildTestApp(predictor)
after(async () => { await app.close() })

const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<OpenApiJson>()
const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options'])

function operations (): Array<[string, string, OperationJson]> {
  return Object.entries(spec.paths).flatMap(([path, item]) =>
    Object.entries(item).filter(([method]) => HTTP_METHODS.has(method)).map(([method, op]): [string, string, OperationJson] => [path, method, op]))
}

/** A components.responses entry named by a `#/components/responses/<name>` $ref. */
function at (ref: string): ResponseJson {
  const found = spec.components.responses?.[ref.replace('#/components/responses/', '')]
  assert.ok(found !== undefined, `${ref} resolves`)
  return found
}

function operation (path: string, method: string): OperationJson {
  const op = spec.paths[path]?.[method]
  assert.ok(op !== undefined, `${method.toUpperCase()} ${path} is documented`)
  return op
}

/** GET that follows up to 3 redirects, as a browser would. */
async function getFollowing (url: string): Promise<{ url: string, response: Response }> {
  let current = url
  for (let hop = 0; hop < 4; hop++) {
    const response = await app.inject({ method: 'GET', url: current })
    const location = response.headers.location
    if (response.statusCode < 300 || response.statusCode >= 400 || typeof location !== 'string') return { url: current, response }
    current = new URL(location, `http://localhost${current}`).pathname
  }
  throw new Error(`too many redirects from ${url}`)
}

test('GET /openapi.json - document - OpenAPI 3 with the prediction routes and the Customer schema', () => {
  assert.match(spec.openapi, /^3\.\d+\.\d+$/)
  assert.equal(typeof spec.info.title, 'string')
  assert.ok(spec.paths['/predict']?.post !== undefined)
  assert.ok(spec.paths['/predict/batch']?.post !== undefined)
  for (const path of ['/model', '/health/live', '/health/ready']) assert.ok(spec.paths[path]?.get !== undefined, path)
  assert.equal(spec.components.schemas.Customer?.type, 'object')
  assert.equal(spec.components.schemas.Customer?.additionalProperties, false)
  assert.ok(spec.components.schemas.Error !== undefined)
})

test('GET /openapi.json - request bodies - /predict takes JSON, /predict/batch JSON referencing Customer and CSV text', () => {
  const single = operation('/predict', 'post').requestBody?.content ?? {}
  assert.deepEqual(Object.keys(single), ['application/json'])
  assert.equal(single['application/json']?.schema.$ref, '#/components/schemas/Customer')
  const batch = operation('/predict/batch', 'post').requestBody?.content ?? {}
  assert.deepEqual(Object.keys(batch).sort(), ['application/json', 'text/csv'])
  assert.equal(batch['application/json']?.schema.properties?.customers?.type, 'array')
  assert.match(JSON.stringify(batch['application/json']?.schema), /#\/components\/schemas\/Customer/)
  assert.deepEqual(batch['text/csv']?.schema.type, 'string')
  assert.doesNotMatch(JSON.stringify(batch['text/csv']), /\$ref|"properties"/, 'the CSV body is text, not the JSON object')
})

test('GET /openapi.json - the text/csv example - a header row of the API field names, and 2 rows the CSV codec scores', () => {
  const example = operation('/predict/batch', 'post').requestBody?.content['text/csv']?.example
  assert.equal(typeof example, 'string')
  const [header] = (example as string).split('\n')
  assert.deepEqual(header?.split(','), ['customerId', ...CUSTOMER_FIELDS.map((f) => f.name)])
  const batch = parseCsvBatch(example as string, 10)
  assert.deepEqual(batch.errors(), [])
  assert.equal(batch.customers.length, 2)
})

test('POST /predict/batch - the documented text/csv example, sent as is - 200 with 2 predictions', async () => {
  const example = operation('/predict/batch', 'post').requestBody?.content['text/csv']?.example as string
  const response = await app.inject({ method: 'POST', url: '/predict/batch', payload: example, headers: { 'content-type': 'text/csv' } })
  assert.equal(response.statusCode, 200, response.body)
  assert.deepEqual(response.json<{ predictions: Array<{ customerId: string }> }>().predictions.map((p) => p.customerId), ['c-1042', 'c-1043'])
})

/** The customers with a customerId that `text` shows as JSON objects (curl examples in Markdown; answer shapes such as {"customerId"?, ...} are not JSON and are skipped). */
function jsonCustomersIn (text: string): Array<Record<string, unknown>> {
  return [...text.matchAll(/\{[^{}]*"customerId"[^{}]*\}/g)].flatMap((m) => {
    try {
      return [JSON.parse(m[0]) as Record<string, unknown>]
    } catch {
      return []
    }
  })
}

test('examples - a customerId both the OpenAPI examples and README.md or docs/ use - the same customer on both sides', async () => {
  const customer = spec.components.schemas.Customer as SchemaJson & { properties: Record<string, { examples?: unknown[] }> }
  const fromProperties = Object.fromEntries(Object.entries(customer.properties).map(([name, p]) => [name, p.examples?.[0]]))
  const csvExample = operation('/predict/batch', 'post').requestBody?.content['text/csv']?.example as string
  const openapi = [fromProperties, ...parseCsvBatch(csvExample, 10).customers] as Array<Record<string, unknown>>
  assert.ok(openapi.every((c) => c.customerId !== undefined), 'every OpenAPI example has an id')
  const root = new URL('../', import.meta.url)
  const pages = ['README.md', ...(await readdir(new URL('docs/', root))).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]
  const values = (c: Record<string, unknown>): unknown[] => CUSTOMER_FIELDS.map((f) => c[f.name] ?? null)
  let documented = 0
  for (const page of pages) {
    for (const shown of jsonCustomersIn(await readFile(new URL(page, root), 'utf8'))) {
      documented++
      const same = openapi.find((c) => c.customerId === shown.customerId)
      if (same !== undefined) assert.deepEqual(values(shown), values(same), `${page}: ${String(shown.customerId)} differs from the OpenAPI example of that id`)
    }
  }
  assert.ok(documented > 0, 'the README shows at least one customer as JSON')
})

test('GET /openapi.json - every operation - a unique camelCase operationId and security said (open routes: [])', () => {
  const ids = operations().map(([, , op]) => op.operationId)
  for (const id of ids) assert.match(String(id), /^[a-z][A-Za-z0-9]*$/)
  assert.equal(new Set(ids).size, ids.length, `duplicates in ${ids.join(', ')}`)
  const expected: Record<string, string> = {
    'post /predict': 'predictOne',
    'post /predict/batch': 'predictBatch',
    'get /model': 'getModelCard',
    'get /model/report': 'getModelReport',
    'get /models': 'listModelVersions',
    'get /model/drift': 'getModelDrift',
    'get /metrics': 'getMetrics',
    'get /health/live': 'live',
    'get /health/ready': 'ready'
  }
  for (const [key, id] of Object.entries(expected)) {
    const [method, path] = key.split(' ') as [string, string]
    assert.equal(operation(path, method).operationId, id, key)
  }
  for (const [path, method, op] of operations()) assert.ok(Array.isArray(op.security), `${method} ${path} says its security`)
  for (const path of ['/health/live', '/health/ready', '/metrics']) assert.deepEqual(operation(path, 'get').security, [], path)
  assert.deepEqual(operation('/predict', 'post').security, [{ apiKey: [] }])
})

test('GET /openapi.json - servers and license - a relative server and a licence naming the API proprietary', () => {
  assert.deepEqual(spec.servers?.map((s) => s.url), ['/'])
  assert.equal(spec.info.license?.name, 'Proprietary')
})

test('GET /openapi.json - response headers - x-request-id on every answer; WWW-Authenticate on 401, Retry-After on a 503 Error, Allow on 405', () => {
  const headersOf = (response: ResponseJson): Record<string, { $ref?: string }> => (response.$ref === undefined ? response : at(response.$ref)).headers ?? {}
  for (const [path, method, op] of operations()) {
    for (const [status, response] of Object.entries(op.responses)) {
      const headers = headersOf(response)
      const where = `${method} ${path} ${status}`
      assert.equal(headers['x-request-id']?.$ref, '#/components/headers/RequestId', where)
      if (status === '401') assert.equal(headers['WWW-Authenticate']?.$ref, '#/components/headers/WwwAuthenticate', where)
      if (status === '405') assert.equal(headers.Allow?.$ref, '#/components/headers/Allow', where)
      const isError = JSON.stringify(response).includes('#/components/schemas/Error')
      if (status === '503' && isError) assert.equal(headers['Retry-After']?.$ref, '#/components/headers/RetryAfter', where)
    }
  }
  assert.equal(spec.components.headers?.RequestId?.required, true)
})

test('GET /openapi.json - statuses answered before routing - 405, 408 and 431 on every operation', () => {
  for (const [path, method, op] of operations()) {
    for (const status of ['405', '408', '431']) {
      assert.ok(op.responses[status] !== undefined, `${method} ${path} documents ${status}`)
    }
  }
})

test('GET /openapi.json - non-JSON answers - /model/report 200 text/html, /metrics 200 text/plain, their errors application/json', () => {
  for (const [path, type] of [['/model/report', 'text/html'], ['/metrics', 'text/plain']] as const) {
    const responses = operation(path, 'get').responses
    assert.deepEqual(Object.keys(responses['200']?.content ?? {}), [type], path)
    for (const [status, response] of Object.entries(responses)) {
      if (status === '200') continue
      const resolved = response.$ref === undefined ? response : at(response.$ref)
      assert.deepEqual(Object.keys(resolved.content ?? {}), ['application/json'], `${path} ${status}`)
    }
  }
})

test('GET /openapi.json - query parameters - threshold in [0, 1] on both routes, partial on the batch route', () => {
  for (const path of ['/predict', '/predict/batch']) {
    const threshold = operation(path, 'post').parameters?.find((p) => p.name === 'threshold')
    assert.equal(threshold?.in, 'query', path)
    assert.equal(threshold?.schema.type, 'number')
    assert.equal(threshold?.schema.minimum, 0)
    assert.equal(threshold?.schema.maximum, 1)
  }
  const partial = operation('/predict/batch', 'post').parameters?.find((p) => p.name === 'partial')
  assert.equal(partial?.schema.type, 'boolean')
  assert.equal(operation('/predict', 'post').parameters?.some((p) => p.name === 'partial'), false)
})

test('GET /openapi.json - Customer schema - every field of CUSTOMER_FIELDS with type, description and bounds', () => {
  const customer = spec.components.schemas.Customer as SchemaJson
  const properties = customer.properties ?? {}
  assert.deepEqual(Object.keys(properties).sort(), ['customerId', ...CUSTOMER_FIELDS.map((f) => f.name)].sort())
  assert.deepEqual([...(customer.required ?? [])].sort(), CUSTOMER_FIELDS.filter((f) => !('optional' in f && f.optional)).map((f) => f.name).sort())
  for (const field of CUSTOMER_FIELDS as readonly FieldSpec[]) {
    const property = properties[field.name] as SchemaJson
    // Optional fields are nullable, written the JSON Schema way in OpenAPI 3.1.
    assert.deepEqual(property.type, field.optional === true ? [field.type, 'null'] : field.type, field.name)
    assert.ok(property.description?.includes(field.description), `${field.name} description`)
    assert.ok(property.description?.includes(field.unit), `${field.name} unit in the description`)
    assert.equal(property.minimum, field.minimum, `${field.name} minimum`)
    assert.equal(property.maximum, field.maximum, `${field.name} maximum`)
    if (field.exclusiveMinimum !== undefined) {
      // Either JSON Schema's form (exclusiveMinimum: 0) or OpenAPI 3.0's (minimum: 0, exclusiveMinimum: true).
      const bound = property.exclusiveMinimum === true ? property.minimum : property.exclusiveMinimum
      assert.equal(bound, field.exclusiveMinimum, `${field.name} exclusive minimum`)
    } else {
      assert.equal(property.exclusiveMinimum, undefined, `${field.name} has no exclusive minimum`)
    }
  }
  assert.ok((properties.customerId?.description ?? '').length > 0)
})

test('GET /openapi.json - Customer exclusive minimums - OpenAPI 3.1 / JSON Schema numeric form', () => {
  assert.match(spec.openapi, /^3\.1\./)
  const properties = spec.components.schemas.Customer?.properties ?? {}
  const exclusive = (CUSTOMER_FIELDS as readonly FieldSpec[]).filter((f) => f.exclusiveMinimum !== undefined)
  assert.ok(exclusive.length > 0)
  for (const field of exclusive) {
    const property = properties[field.name] as SchemaJson
    assert.equal(property.exclusiveMinimum, field.exclusiveMinimum, field.name)
  }
})

test('GET /openapi.json - Error schema - the shape and every code of errors.ts', () => {
  const error = spec.components.schemas.Error as SchemaJson
  assert.deepEqual([...(error.required ?? [])].sort(), ['code', 'error', 'message', 'requestId', 'statusCode'])
  assert.deepEqual([...(error.properties?.code?.enum ?? [])].sort(), Object.keys(ERROR_CODES).sort())
})

test('GET /openapi.json - prediction routes and /model - declare 4xx answers with the Error schema', () => {
  const expected: Record<string, string[]> = {
    'post /predict': ['400', '413', '415'],
    'post /predict/batch': ['400', '413', '415'],
    'get /model': ['401', '415'],
    'get /model/report': ['401', '404']
  }
  for (const [key, statuses] of Object.entries(expected)) {
    const [method, path] = key.split(' ') as [string, string]
    const responses = operation(path, method).responses
    for (const status of statuses) {
      const answer = responses[status]
      assert.ok(answer !== undefined, `${key} declares ${status}`)
      assert.ok((answer.description ?? '').length > 0, `${key} ${status} has a description`)
      assert.equal(answer.content?.['application/json']?.schema.$ref, '#/components/schemas/Error', `${key} ${status}`)
    }
  }
})

test('GET /openapi.json - every documented route but probes and metrics - declares at least one 4xx answer', () => {
  // Probes and /metrics take no input: they answer 200 (or 503) only.
  const without = operations()
    .filter(([p]) => !p.startsWith('/health/') && p !== '/metrics')
    .filter(([, , op]) => !Object.keys(op.responses).some((s) => /^4\d\d$/.test(s))).map(([p, m]) => `${m.toUpperCase()} ${p}`)
  assert.deepEqual(without, [])
})

test('GET /openapi.json - every documented route - declares its 200 answer with a description', () => {
  for (const [path, method, op] of operations()) {
    assert.ok(op.responses['200'] !== undefined, `${method} ${path}`)
    assert.ok((op.responses['200']?.description ?? '').length > 0, `${method} ${path}`)
  }
})

test('GET /openapi.yaml - YAML - the same document as /openapi.json', async () => {
  const response = await app.inject({ method: 'GET', url: '/openapi.yaml' })
  assert.equal(response.statusCode, 200)
  assert.match(String(response.headers['content-type']), /yaml/)
  assert.match(response.body, /^openapi: 3\./)
  assert.deepEqual(parseYaml(response.body), spec)
})

test('committed openapi.yaml - compared with the route schemas - up to date', async () => {
  const committed = await readFile(new URL('../openapi.yaml', import.meta.url), 'utf8')
  const rendered = await renderOpenApiYaml()
  if (committed === rendered) return
  const a = committed.split('\n')
  const b = rendered.split('\n')
  const line = a.findIndex((text, i) => text !== b[i])
  const at = line === -1 ? a.length : line
  assert.fail(`openapi.yaml is stale: run \`npm run openapi\` and commit the result (first difference at line ${at + 1}: ` +
    `committed ${JSON.stringify(a[at] ?? '(end)')}, generated ${JSON.stringify(b[at] ?? '(end)')})`)
})

test('renderOpenApiYaml - generated document - the same routes and Customer schema as GET /openapi.json', async () => {
  // Guards the staleness test: the rendered text is a real OpenAPI document with the routes above.
  const rendered = parseYaml(await renderOpenApiYaml()) as OpenApiJson
  assert.deepEqual(Object.keys(rendered.paths).sort(), Object.keys(spec.paths).sort())
  assert.deepEqual(rendered.components.schemas.Customer, spec.components.schemas.Customer)
})

test('GET / - the first address a newcomer types - 302 to /docs, and not an operation of the document', async () => {
  const response = await app.inject({ method: 'GET', url: '/' })
  assert.equal(response.statusCode, 302)
  assert.equal(response.headers.location, '/docs')
  assert.equal(spec.paths['/'], undefined)
})

test('GET /docs - Swagger UI - 200 HTML whose scripts and styles all load from this server', async () => {
  const { url, response } = await getFollowing('/docs')
  assert.equal(response.statusCode, 200)
  assert.match(String(response.headers['content-type']), /^text\/html/)
  assert.match(response.body, /swagger-ui/i)
  const assets = [...response.body.matchAll(/\b(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string)
  assert.ok(assets.some((a) => a.endsWith('.js')), 'has scripts')
  assert.ok(assets.some((a) => a.endsWith('.css')), 'has styles')
  const base = url.endsWith('/') ? url : `${url}/`
  for (const asset of assets) {
    assert.doesNotMatch(asset, /^(https?:)?\/\//, `asset ${asset} is local`)
    const path = new URL(asset, `http://localhost${asset.startsWith('/') ? '' : base}`).pathname
    const loaded = await app.inject({ method: 'GET', url: path })
    assert.equal(loaded.statusCode, 200, `${path}: ${loaded.statusCode}`)
    assert.ok(loaded.rawPayload.length > 0, path)
  }
})

test('GET /docs - branding - the API\'s title, its own logo and tab icon instead of Fastify\'s and Swagger\'s', async () => {
  const { response } = await getFollowing('/docs')
  assert.match(response.body, new RegExp(`<title>${OPENAPI_INFO.title}</title>`))
  assert.match(response.body, /href="[^"]*theme\/favicon\.svg"/)
  assert.doesNotMatch(response.body, /favicon-(16x16|32x32)\.png/, 'Swagger\'s tab icons')
  const initializer = (await app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' })).body
  const fastifyLogo = await readFile(new URL('../node_modules/@fastify/swagger-ui/static/logo.svg', import.meta.url))
  assert.ok(!initializer.includes(fastifyLogo.toString('base64')), 'Fastify\'s logo')
  assert.ok(initializer.includes(DOCS_BRANDING.logo.content.toString('base64')), 'the service\'s logo')
  assert.match(DOCS_BRANDING.logo.content.toString(), new RegExp(OPENAPI_INFO.title))
  const icon = await app.inject({ method: 'GET', url: '/docs/static/theme/favicon.svg' })
  assert.equal(icon.statusCode, 200)
  assert.match(String(icon.headers['content-type']), /^image\/svg\+xml/)
})

test('GET /docs - Swagger UI initializer - loads the spec from this server, no external validator', async () => {
  const initializer = await app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' })
  assert.equal(initializer.statusCode, 200)
  assert.match(initializer.body, /url: resolveUrl\('\.\/json'\)/)
  assert.match(initializer.body, /validatorUrl: null/)
  const json = await app.inject({ method: 'GET', url: '/docs/json' })
  assert.equal(json.statusCode, 200)
  assert.deepEqual(json.json(), spec)
})
