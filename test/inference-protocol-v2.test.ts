// The Open Inference Protocol v2 routes (/v2/...) with the committed model: inference gives the
// probabilities of POST /predict/batch for the same customers, tensors are checked as customers are
// (errors name the tensor and the row), metadata, health, versions, and every answer validates against
// KServe's published REST schemas (test/fixtures/oip-rest-v2.yaml).
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { Ajv, type ValidateFunction } from 'ajv'
import { parse as parseYaml } from 'yaml'
import type { FastifyInstance } from 'fastify'
import { CUSTOMER_FIELDS, type Customer } from '../src/domain/customer.js'
import { ModelHolder } from '../src/model/model-holder.js'
import { loadVerifiedModel } from '../src/model/model-loader.js'
import { ModelVersions } from '../src/model/model-versions.js'
import { errorBodyOf } from '../src/http/errors.js'
import { buildTestApp, loadCommittedPredictor, validCustomer } from './helpers/app.js'
import { postJson, sampleCustomers, type Response } from './helpers/http.js'
import { makeModelsRoot } from './helpers/model-versions.js'

const predictor = await loadCommittedPredictor()
const app = await buildTestApp(predictor)
app.readiness.markReady()
after(async () => { await app.close() })

const INFER = '/v2/models/buy-again/infer'
const KEY = 'k-0123456789abcdef'

// --- the published schemas ---

const spec = parseYaml(readFileSync(new URL('fixtures/oip-rest-v2.yaml', import.meta.url), 'utf8')) as object
const ajv = new Ajv({ strict: false, allErrors: true })
ajv.addSchema(spec, 'oip')

function specSchema (pointer: string): ValidateFunction {
  const validate = ajv.getSchema(`oip#/${pointer}`)
  assert.ok(validate !== undefined, `the fixture has ${pointer}`)
  return validate
}

/** Fails unless `body` validates against the fixture's schema at `pointer` (e.g. components/schemas/inference_response). */
function assertSpecValid (pointer: string, body: unknown): void {
  const validate = specSchema(pointer)
  assert.ok(validate(body), `${pointer}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(body).slice(0, 300)}`)
}

/** An error answer: the status, the protocol's {"error": string} (required here: the spec's inference_error_response leaves it optional). */
function expectOipError (response: Response, status: number, message?: RegExp): string {
  assert.equal(response.statusCode, status, response.body.slice(0, 400))
  assert.match(String(response.headers['content-type']), /^application\/json/)
  const body = response.json<{ error: unknown }>()
  assertSpecValid('components/schemas/inference_error_response', body)
  assertSpecValid('components/schemas/metadata_model_error_response', body)
  assert.deepEqual(Object.keys(body), ['error'])
  assert.equal(typeof body.error, 'string')
  if (message !== undefined) assert.match(body.error as string, message)
  return body.error as string
}

// --- requests ---

interface Tensor { name: string, shape: number[], datatype: string, data: unknown[] }
interface InferAnswer {
  model_name: string
  model_version: string
  id?: string
  parameters?: { threshold: number }
  outputs: Array<{ name: string, datatype: string, shape: number[], data: Array<number | boolean> }>
}
interface BatchAnswer { modelVersion: string, threshold: number, predictions: Array<{ probability: number, willBuy: boolean }> }

/** One tensor per customer field, [N] and FP64 / INT64 / BOOL as metadata announces; reviewScore only when every customer has one. */
function tensorsOf (customers: readonly Customer[], shape: 'n' | 'n1' = 'n'): Tensor[] {
  const record = customers as unknown as ReadonlyArray<Record<string, unknown>>
  return CUSTOMER_FIELDS
    .filter((f) => record.every((c) => c[f.name] !== undefined && c[f.name] !== null))
    .map((f) => ({
      name: f.name,
      shape: shape === 'n' ? [customers.length] : [customers.length, 1],
      datatype: f.type === 'boolean' ? 'BOOL' : f.type === 'integer' ? 'INT64' : 'FP64',
      data: record.map((c) => c[f.name])
    }))
}

function withTensor (tensors: readonly Tensor[], name: string, edit: (t: Tensor) => Tensor | null): Tensor[] {
  assert.ok(tensors.some((t) => t.name === name), `precondition: a tensor ${name}`)
  return tensors.flatMap((t) => t.name !== name ? [t] : (edit(t) ?? []))
}

async function infer (body: unknown, url = INFER, server: FastifyInstance = app): Promise<InferAnswer> {
  assertSpecValid('components/schemas/inference_request', body)
  const response = await postJson(server, url, body)
  assert.equal(response.statusCode, 200, response.body.slice(0, 400))
  const answer = response.json<InferAnswer>()
  assertSpecValid('components/schemas/inference_response', answer)
  return answer
}

async function batch (customers: readonly Customer[]): Promise<BatchAnswer> {
  const response = await postJson(app, '/predict/batch', { customers })
  assert.equal(response.statusCode, 200, response.body.slice(0, 400))
  return response.json<BatchAnswer>()
}

function output (answer: InferAnswer, name: string): Array<number | boolean> {
  const found = answer.outputs.find((o) => o.name === name)
  assert.ok(found !== undefined, `output ${name} in ${JSON.stringify(answer).slice(0, 200)}`)
  return found.data
}

/** Customers whose every field has a value (reviewScore too), so all ten tensors are sent. */
function scoredCustomers (count: number, seed: number): Customer[] {
  return sampleCustomers(count, seed).map((c, i) => (c.reviewScore === null || c.reviewScore === undefined ? { ...c, reviewScore: 1 + (i % 10) } : c))
}

async function assertSameAsBatch (customers: readonly Customer[], answer: InferAnswer): Promise<void> {
  const expected = await batch(customers)
  assert.equal(answer.model_name, 'buy-again')
  assert.equal(answer.model_version, expected.modelVersion)
  assert.equal(answer.parameters?.threshold, expected.threshold)
  assert.deepEqual(output(answer, 'probability'), expected.predictions.map((p) => p.probability))
  assert.deepEqual(output(answer, 'willBuy'), expected.predictions.map((p) => p.willBuy))
  for (const o of answer.outputs) assert.deepEqual(o.shape, [customers.length])
  assert.deepEqual(answer.outputs.map((o) => [o.name, o.datatype]), [['probability', 'FP32'], ['willBuy', 'BOOL']])
}

// --- the fixture itself ---

test('OIP spec fixture - answers missing what the spec requires - rejected (the validation can fail)', () => {
  for (const [pointer, body] of [
    ['components/schemas/inference_response', { model_name: 'buy-again' }],
    ['components/schemas/inference_response', { model_name: 'buy-again', outputs: [{ name: 'probability', shape: [1], datatype: 'FP32' }] }],
    ['components/schemas/metadata_server_response', { name: 'x', version: '1' }],
    ['components/schemas/metadata_model_response', { name: 'buy-again', platform: 'x', inputs: [{ name: 'a', datatype: 'FP64', shape: ['-1'] }] }],
    ['components/schemas/metadata_model_error_response', { message: 'no error field' }],
    ['health/ready_model_response', { name: 'buy-again' }]
  ] as const) {
    assert.equal(specSchema(pointer)(body), false, `${pointer} rejects ${JSON.stringify(body)}`)
  }
})

// --- inference: the same answers as POST /predict/batch ---

test('POST /v2/models/buy-again/infer - 40 customers as [N] tensors - the probabilities and willBuy of POST /predict/batch, id echoed', async () => {
  const customers = scoredCustomers(40, 11)
  const answer = await infer({ id: 'req-42', inputs: tensorsOf(customers) })
  assert.equal(answer.id, 'req-42')
  await assertSameAsBatch(customers, answer)
  assert.ok(output(answer, 'willBuy').some((b) => b === true) && output(answer, 'willBuy').some((b) => b === false), 'precondition: both decisions occur')
})

test('POST /v2/models/buy-again/infer - one customer, and 1,100 (the other executors) - the batch route\'s answers', async () => {
  for (const customers of [[validCustomer()], scoredCustomers(1100, 5)]) {
    await assertSameAsBatch(customers, await infer({ inputs: tensorsOf(customers) }))
  }
})

test('POST /v2/models/buy-again/infer - shape [N, 1], data flat and nested - the same answer as [N]', async () => {
  const customers = scoredCustomers(12, 3)
  const flat = await infer({ inputs: tensorsOf(customers, 'n1') })
  const nested = await infer({ inputs: tensorsOf(customers, 'n1').map((t) => ({ ...t, data: t.data.map((v) => [v]) })) })
  await assertSameAsBatch(customers, flat)
  assert.deepEqual(nested.outputs, flat.outputs)
})

test('POST /v2/models/buy-again/infer - numbers as FP32, INT32 and INT64 - accepted, the same answer', async () => {
  // Whole numbers and halves: the same value whatever the datatype says.
  const customers = [validCustomer({ priceAvg: 8.5, priceTotal: 17, bookLengthTotalMinutes: 3240, completion: 0.5, minutesListened: 1620, supportRequests: 2 })]
  const reference = await infer({ inputs: tensorsOf(customers) })
  for (const datatype of ['FP32', 'INT32', 'INT64']) {
    const integral = datatype.startsWith('INT')
    const tensors = tensorsOf(customers).map((t) => t.datatype === 'BOOL' || (integral && t.data.some((v) => !Number.isInteger(v))) ? t : { ...t, datatype })
    assert.ok(tensors.some((t) => t.datatype === datatype), `precondition: some ${datatype}`)
    assert.deepEqual((await infer({ inputs: tensors })).outputs, reference.outputs, datatype)
  }
})

test('POST /v2/models/buy-again/infer - reviewScore left out - imputed for every row, as the batch route does for a missing score', async () => {
  const customers = sampleCustomers(30, 4).map((c) => ({ ...c, reviewScore: null }))
  const tensors = tensorsOf(customers)
  assert.ok(!tensors.some((t) => t.name === 'reviewScore'), 'precondition: no reviewScore tensor')
  await assertSameAsBatch(customers, await infer({ inputs: tensors }))
})

test('POST /v2/models/buy-again/infer - outputs and parameters - only the outputs asked for, threshold overrides willBuy', async () => {
  const customers = scoredCustomers(10, 2)
  const only = await infer({ inputs: tensorsOf(customers), outputs: [{ name: 'willBuy', parameters: { binary_data: true } }] })
  assert.deepEqual(only.outputs.map((o) => o.name), ['willBuy'])
  const everyone = await infer({ inputs: tensorsOf(customers), parameters: { threshold: 0 } })
  assert.equal(everyone.parameters?.threshold, 0)
  assert.ok(output(everyone, 'willBuy').every((b) => b === true))
  expectOipError(await postJson(app, INFER, { inputs: tensorsOf(customers), parameters: { threshold: 2 } }), 400, /^parameters\/threshold: must be <= 1$/)
  expectOipError(await postJson(app, INFER, { inputs: tensorsOf(customers), outputs: [{ name: 'score' }] }), 400, /^outputs\/0\/name: must be one of "probability", "willBuy"/)
})

test('POST /v2/models/buy-again/versions/<version in service>/infer - pinned to that version, same answer', async () => {
  const customers = scoredCustomers(8, 9)
  const answer = await infer({ inputs: tensorsOf(customers) }, `/v2/models/buy-again/versions/${predictor.version}/infer`)
  assert.equal(answer.model_version, predictor.version)
  await assertSameAsBatch(customers, answer)
})

// --- bad tensors: 400 naming the tensor and the row ---

const FIVE = scoredCustomers(5, 21)
const BAD_TENSORS: Array<[string, Tensor[], RegExp]> = [
  ['a value out of bounds', withTensor(tensorsOf(FIVE), 'completion', (t) => ({ ...t, data: t.data.map((v, i) => i === 3 ? 1.5 : v) })), /^input completion, row 3: must be <= 1$/],
  ['a total below its average (swapped columns)', withTensor(tensorsOf(FIVE), 'bookLengthTotalMinutes', (t) => ({ ...t, data: t.data.map((v, i) => i === 2 ? 1 : v) })),
    /^input bookLengthTotalMinutes, row 2: \(1\) is below bookLengthAvgMinutes .*Are the columns swapped\?/],
  ['a string among numbers', withTensor(tensorsOf(FIVE), 'priceAvg', (t) => ({ ...t, data: t.data.map((v, i) => i === 4 ? '9.5' : v) })), /^input priceAvg, row 4: must be a number \(datatype FP64\), got "9\.5"$/],
  ['a number for reviewed', withTensor(tensorsOf(FIVE), 'reviewed', (t) => ({ ...t, data: t.data.map((v, i) => i === 1 ? 1 : v) })), /^input reviewed, row 1: must be true or false \(datatype BOOL\), got 1$/],
  ['a fraction in an INT32 tensor', withTensor(tensorsOf(FIVE), 'priceAvg', (t) => ({ ...t, datatype: 'INT32', data: t.data.map((v, i) => i === 0 ? 9.5 : 9) })), /^input priceAvg, row 0: must be an integer: the datatype is INT32, got 9\.5$/],
  ['a fraction of a support request', withTensor(tensorsOf(FIVE), 'supportRequests', (t) => ({ ...t, datatype: 'FP64', data: t.data.map((v, i) => i === 2 ? 0.5 : v) })), /^input supportRequests, row 2: must be integer$/],
  ['reviewed as FP32', withTensor(tensorsOf(FIVE), 'reviewed', (t) => ({ ...t, datatype: 'FP32' })), /^input reviewed: datatype "FP32" is not accepted: send BOOL$/],
  ['a number field as BYTES', withTensor(tensorsOf(FIVE), 'completion', (t) => ({ ...t, datatype: 'BYTES' })), /^input completion: datatype "BYTES" is not accepted: send FP32, FP64, INT32, INT64$/],
  ['data shorter than the shape', withTensor(tensorsOf(FIVE), 'priceTotal', (t) => ({ ...t, data: t.data.slice(0, 4) })), /^input priceTotal: data does not match shape \[5\]: send 5 values, flat \(got 4 top-level items\)$/],
  ['fewer rows than the other inputs', withTensor(tensorsOf(FIVE), 'priceTotal', (t) => ({ ...t, shape: [4], data: t.data.slice(0, 4) })), /^input priceTotal: has 4 rows but input bookLengthAvgMinutes has 5/],
  ['a field left out', withTensor(tensorsOf(FIVE), 'minutesListened', () => null), /^input minutesListened: is missing/],
  ['a field sent twice', [...tensorsOf(FIVE), tensorsOf(FIVE)[0] as Tensor], /^input bookLengthAvgMinutes: is sent twice/],
  ['an unknown input', [...tensorsOf(FIVE), { name: 'age', shape: [5], datatype: 'FP64', data: [1, 2, 3, 4, 5] }], /^input age: is not an input of this model \(inputs: bookLengthAvgMinutes, /],
  ['a Kaggle column name', [...withTensor(tensorsOf(FIVE), 'completion', () => null), { name: 'Completion', shape: [5], datatype: 'FP64', data: [0, 0, 0, 0, 0] }],
    /^input Completion: is not an input of this model: that is the Kaggle column name, send it as completion; input completion: is missing/],
  ['shape [N, 2]', withTensor(tensorsOf(FIVE), 'completion', (t) => ({ ...t, shape: [5, 2], data: [...t.data, ...t.data] })), /^input completion: shape \[5,2\] is not accepted: send \[N\] or \[N, 1\]/],
  ['no rows', tensorsOf(FIVE).map((t) => ({ ...t, shape: [0], data: [] })), /^input bookLengthAvgMinutes: shape \[0\] has no rows/]
]

for (const [scenario, inputs, expected] of BAD_TENSORS) {
  test(`POST /v2/models/buy-again/infer - ${scenario} - 400 {"error"} naming the tensor and the row`, async () => {
    expectOipError(await postJson(app, INFER, { inputs }), 400, expected)
  })
}

test('POST /v2/models/buy-again/infer - 15 bad rows - the first 10 listed, the rest counted', async () => {
  const customers = scoredCustomers(15, 8)
  const inputs = withTensor(tensorsOf(customers), 'completion', (t) => ({ ...t, data: t.data.map(() => 2) }))
  const error = expectOipError(await postJson(app, INFER, { inputs }), 400)
  assert.equal(error, Array.from({ length: 10 }, (_, i) => `input completion, row ${i}: must be <= 1`).join('; ') + ' (and 5 more problems)')
})

test('POST /v2/models/buy-again/infer - a body that is not an inference request - 400 {"error"} naming the path, by tensor name when it has one', async () => {
  expectOipError(await postJson(app, INFER, { instances: [validCustomer()] }), 400, /^instances: is not an accepted field; inputs: is required$|^inputs: is required; instances/)
  expectOipError(await postJson(app, INFER, { inputs: [{ name: 'completion', shape: [1], datatype: 'FP64' }] }), 400, /^input completion\/data: is required$/)
  expectOipError(await postJson(app, INFER, { inputs: [{ name: 'completion', shape: [-1], datatype: 'FP64', data: [0] }] }), 400, /^input completion\/shape\/0: must be >= 0$/)
})

test('POST /v2/models/buy-again/infer - more rows than MAX_BATCH - 413 {"error"} naming the limit', async () => {
  const small = await buildTestApp(predictor, { MAX_BATCH: '5' })
  try {
    expectOipError(await postJson(small, INFER, { inputs: tensorsOf(scoredCustomers(6, 1)) }), 413, /6 rows, more than the limit of 5 customers \(MAX_BATCH\)/)
    await infer({ inputs: tensorsOf(scoredCustomers(5, 1)) }, INFER, small)
  } finally {
    await small.close()
  }
})

test('POST /v2/models/<name>/infer and versions/<v>/infer - unknown model or version - 404 {"error"}', async () => {
  const inputs = tensorsOf(FIVE)
  expectOipError(await postJson(app, '/v2/models/churn/infer', { inputs }), 404, /model "churn" does not exist: this server serves buy-again/)
  // The name is checked before the body: an unknown model is 404 whatever is sent.
  expectOipError(await postJson(app, '/v2/models/churn/infer', { nonsense: true }), 404)
  expectOipError(await postJson(app, '/v2/models/buy-again/versions/v-none/infer', { inputs }), 404, /model version "v-none" does not exist/)
  expectOipError(await postJson(app, '/v2/models/buy-again/versions/..%2Fetc/infer', { inputs }), 404)
})

test('POST /v2/models/buy-again/infer - content types - none read as JSON (Triton\'s client), text/plain and the binary extension 415', async () => {
  const body = JSON.stringify({ inputs: tensorsOf(FIVE) })
  // A string payload goes out without a content type (light-my-request sets one only for objects).
  const withoutType = await app.inject({ method: 'POST', url: INFER, payload: body })
  assert.equal(withoutType.statusCode, 200, withoutType.body.slice(0, 300))
  expectOipError(await app.inject({ method: 'POST', url: INFER, payload: body, headers: { 'content-type': 'text/plain' } }), 415, /content type text\/plain is not accepted: send application\/json/)
  expectOipError(await app.inject({ method: 'POST', url: INFER, payload: body, headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': '20' } }), 415,
    /binary tensor data extension .* is not supported/)
  expectOipError(await app.inject({ method: 'POST', url: INFER, payload: '{"inputs": [', headers: { 'content-type': 'application/json' } }), 400, /body is not valid JSON/)
})

// --- metadata, health ---

test('GET /v2 - server metadata - name, version and no extensions, spec-valid', async () => {
  const response = await app.inject('/v2')
  assert.equal(response.statusCode, 200)
  const body = response.json<{ name: string, version: string, extensions: string[] }>()
  assertSpecValid('components/schemas/metadata_server_response', body)
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string, version: string }
  assert.deepEqual(body, { name: pkg.name, version: pkg.version, extensions: [] })
})

test('GET /v2/models/buy-again[/versions/<v>] - metadata - one input per customer field, two outputs, the versions, spec-valid', async () => {
  for (const url of ['/v2/models/buy-again', `/v2/models/buy-again/versions/${predictor.version}`]) {
    const response = await app.inject(url)
    assert.equal(response.statusCode, 200, response.body)
    const body = response.json<{ name: string, versions: string[], platform: string, inputs: Tensor[], outputs: Tensor[] }>()
    assertSpecValid('components/schemas/metadata_model_response', body)
    assert.equal(body.name, 'buy-again')
    assert.equal(body.platform, 'tensorflowjs')
    assert.equal(body.versions[0], predictor.version)
    assert.deepEqual(body.inputs.map((t) => [t.name, t.datatype, t.shape]), CUSTOMER_FIELDS.map((f) => [f.name, f.type === 'boolean' ? 'BOOL' : f.type === 'integer' ? 'INT64' : 'FP64', [-1]]))
    assert.deepEqual(body.outputs, [{ name: 'probability', datatype: 'FP32', shape: [-1] }, { name: 'willBuy', datatype: 'BOOL', shape: [-1] }])
  }
  expectOipError(await app.inject('/v2/models/churn'), 404, /model "churn" does not exist/)
  expectOipError(await app.inject('/v2/models/buy-again/versions/v-none'), 404, /model version "v-none" does not exist/)
})

test('GET /v2/health/* and /v2/models/buy-again/ready - starting, ready, draining - 503, 200, 503; live 200 throughout; spec-valid', async () => {
  const fresh = await buildTestApp(predictor)
  try {
    const check = async (expected: [number, number, number, number], when: string): Promise<void> => {
      const answers = await Promise.all(['/v2/health/live', '/v2/health/ready', '/v2/models/buy-again/ready', `/v2/models/buy-again/versions/${predictor.version}/ready`]
        .map(async (url) => await fresh.inject(url)))
      assert.deepEqual(answers.map((r) => r.statusCode), expected, when)
      const [live, ready, model, version] = answers.map((r) => r.json<Record<string, unknown>>()) as [Record<string, unknown>, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>]
      assertSpecValid('health/live_server_response', live)
      assert.equal(live.live, true)
      assertSpecValid('health/ready_server_response', ready)
      assert.equal(ready.ready, expected[1] === 200, when)
      for (const body of [model, version]) {
        assertSpecValid('health/ready_model_response', body)
        assert.deepEqual([body.name, body.ready], ['buy-again', expected[2] === 200], when)
      }
      // Not ready: also the spec's error object, saying why.
      for (const body of [ready, model]) if (body.ready === false) assert.match(String(body.error), /starting|shutting down/)
    }
    await check([200, 503, 503, 503], 'starting')
    fresh.readiness.markReady()
    await check([200, 200, 200, 200], 'ready')
    fresh.readiness.markDraining()
    await check([200, 503, 503, 503], 'draining')
  } finally {
    await fresh.close()
  }
  expectOipError(await app.inject('/v2/models/churn/ready'), 404)
  expectOipError(await app.inject('/v2/models/buy-again/versions/v-none/ready'), 404)
})

test('/v2 routes - API_KEYS set - 401 {"error"} without the key and answered with it; /v2/health/* open like /health/*', async () => {
  const keyed = await buildTestApp(predictor, { API_KEYS: KEY })
  keyed.readiness.markReady()
  try {
    for (const [method, url] of [['GET', '/v2'], ['GET', '/v2/models/buy-again'], ['GET', '/v2/models/buy-again/ready'], ['POST', INFER],
      ['POST', `/v2/models/buy-again/versions/${predictor.version}/infer`]] as const) {
      const payload = method === 'POST' ? { inputs: tensorsOf(FIVE) } : undefined
      const refused = await keyed.inject({ method, url, payload })
      expectOipError(refused, 401, /API key/)
      assert.equal(refused.headers['www-authenticate'], 'Bearer')
      const answered = await keyed.inject({ method, url, payload, headers: { authorization: `Bearer ${KEY}` } })
      assert.equal(answered.statusCode, 200, `${method} ${url}: ${answered.body.slice(0, 200)}`)
    }
    for (const url of ['/v2/health/live', '/v2/health/ready']) {
      for (const authorization of [undefined, 'Bearer wrong-key-0123456789']) {
        const response = await keyed.inject({ method: 'GET', url, headers: authorization === undefined ? {} : { authorization } })
        assert.equal(response.statusCode, 200, `${url} with ${String(authorization)}`)
      }
    }
  } finally {
    await keyed.close()
  }
})

test('/v2 routes - a 503 Error body sent from an onRequest hook, as load shedding sends it - {"error"} on every route, never a serialization 500', async () => {
  // The shedding handler (app.ts) replies from onRequest like this hook; provoking it for real takes a
  // saturated event loop for a second (test/timing/hardening-limits.test.ts does, on POST /predict).
  const shed = await buildTestApp(predictor)
  shed.readiness.markReady()
  shed.addHook('onRequest', (request, reply, done) => {
    if (request.headers['x-test-shed'] === undefined) {
      done()
      return
    }
    reply.code(503).header('retry-after', '1').send(errorBodyOf('OVERLOADED', 'the server is overloaded: retry after 1 s', request.id))
  })
  try {
    for (const [method, url] of [['GET', '/v2'], ['GET', '/v2/models/buy-again'], ['GET', '/v2/models/buy-again/ready'], ['GET', `/v2/models/buy-again/versions/${predictor.version}/ready`],
      ['POST', INFER]] as const) {
      const payload = method === 'POST' ? { inputs: tensorsOf(FIVE) } : undefined
      expectOipError(await shed.inject({ method, url, payload, headers: { 'x-test-shed': '1' } }), 503, /^the server is overloaded/)
    }
  } finally {
    await shed.close()
  }
})

test('POST /v2/models/buy-again/infer - scored customers - counted in the prediction metrics', async () => {
  const count = async (): Promise<number> => {
    const text = (await app.inject('/metrics')).body
    const line = text.split('\n').find((l) => /^\w*prediction_probability_count /.test(l))
    assert.ok(line !== undefined, 'a prediction_probability histogram')
    return Number(line.split(' ').pop())
  }
  const before = await count()
  await infer({ inputs: tensorsOf(FIVE) })
  assert.equal(await count() - before, 5)
})

test('GET /openapi.json - /v2 routes - documented under the inference-protocol tag with an operationId, errors as {"error"}', async () => {
  const document = (await app.inject('/openapi.json')).json<{ paths: Record<string, Record<string, { tags?: string[], operationId?: string, responses: Record<string, { content?: Record<string, { schema: { required?: string[] } }> }> }>> }>()
  const paths = Object.keys(document.paths).filter((p) => p.startsWith('/v2'))
  assert.deepEqual(paths.sort(), [
    '/v2', '/v2/health/live', '/v2/health/ready',
    '/v2/models/{model_name}', '/v2/models/{model_name}/infer', '/v2/models/{model_name}/ready',
    '/v2/models/{model_name}/versions/{model_version}', '/v2/models/{model_name}/versions/{model_version}/infer', '/v2/models/{model_name}/versions/{model_version}/ready'
  ])
  for (const path of paths) {
    for (const [method, operation] of Object.entries(document.paths[path] ?? {})) {
      assert.deepEqual(operation.tags, ['inference-protocol'], `${method} ${path}`)
      assert.ok((operation.operationId ?? '').startsWith('oip'), `${method} ${path}`)
      const notFound = operation.responses['404']
      if (notFound !== undefined) assert.deepEqual(notFound.content?.['application/json']?.schema.required, ['error'], `${method} ${path}`)
    }
  }
})

// --- a version that cannot be served ---

test('/v2 with a version whose weights are truncated - infer 422 {"error"} naming it, ready 503, metadata lists it', async () => {
  const root = await makeModelsRoot({ 'v-a': 'none', 'v-bad': 'truncated' }, 'v-a')
  const load = async (dir: string, version: string): Promise<Awaited<ReturnType<typeof loadVerifiedModel>>> => await loadVerifiedModel(dir, version)
  const versions = new ModelVersions(new ModelHolder(await load(join(root, 'v-a'), 'v-a')), { modelsRoot: root, maxLoaded: 2, pinned: true, load })
  const pinned = await buildTestApp(versions)
  pinned.readiness.markReady()
  try {
    expectOipError(await postJson(pinned, '/v2/models/buy-again/versions/v-bad/infer', { inputs: tensorsOf(FIVE) }), 422, /model version v-bad cannot be served/)
    const ready = await pinned.inject('/v2/models/buy-again/versions/v-bad/ready')
    assert.equal(ready.statusCode, 503)
    assertSpecValid('health/ready_model_response', ready.json())
    assert.match(ready.json<{ error: string }>().error, /v-bad cannot be served/)
    const metadata = (await pinned.inject('/v2/models/buy-again')).json<{ versions: string[] }>()
    assert.deepEqual(metadata.versions, ['v-a', 'v-bad'])
    assert.equal((await infer({ inputs: tensorsOf(FIVE) }, '/v2/models/buy-again/versions/v-a/infer', pinned)).model_version, 'v-a')
  } finally {
    await pinned.close()
    versions.close()
  }
})

test('POST /v2/models/buy-again/infer - inputs the batch route warns about - parameters.warnedCustomers, and parameters.warnings the batch route\'s warnings by row as JSON text; neither warnings when none', async () => {
  const customers = [validCustomer({ priceAvg: 950, priceTotal: 950 }), validCustomer(), validCustomer({ reviewed: false, reviewScore: 2 })]
  const batchWarnings = (await batch(customers)).predictions.map((p) => (p as { warnings?: Array<{ field: string, code: string, message: string }> }).warnings ?? [])
  assert.ok((batchWarnings[0] ?? []).length > 0, 'precondition: the batch route warns about cents')
  const answer = await infer({ inputs: tensorsOf(customers) })
  assert.deepEqual(answer.outputs.map((o) => o.name), ['probability', 'willBuy'])
  const parameters = answer.parameters as { warnedCustomers?: number, warnings?: string } | undefined
  assert.equal(parameters?.warnedCustomers, 2)
  const expected = batchWarnings.flatMap((warnings, row) => warnings.map((w) => ({ row, ...w })))
  assert.deepEqual(JSON.parse(parameters?.warnings ?? 'null'), expected)
  const clean = await infer({ inputs: tensorsOf([validCustomer(), validCustomer()]) })
  assert.equal((clean.parameters as { warnedCustomers?: number } | undefined)?.warnedCustomers, 0)
  assert.equal((clean.parameters as { warnings?: string } | undefined)?.warnings, undefined)
})

test('POST /v2/models/buy-again/infer - query parameters (?threshold=0.99) - 400 naming each, not silently ignored', async () => {
  const customers = [validCustomer(), validCustomer()]
  const response = await postJson(app, `${INFER}?threshold=0.99&foo=bar`, { inputs: tensorsOf(customers) })
  assert.equal(response.statusCode, 400)
  assert.equal(response.json<{ error: string }>().error, 'querystring/threshold: is not an accepted field; querystring/foo: is not an accepted field')
})

test('POST /v2/models/buy-again/infer - an output asked for twice - 400, not the tensor twice', async () => {
  const response = await postJson(app, INFER, { inputs: tensorsOf([validCustomer()]), outputs: [{ name: 'probability' }, { name: 'probability' }] })
  assert.equal(response.statusCode, 400)
  assert.match(response.json<{ error: string }>().error, /^outputs: must NOT have duplicate items/)
})
