// Request limits: MAX_BATCH and BODY_LIMIT_BYTES (413), MAX_HEADER_BYTES (431) and REQUEST_TIMEOUT_MS
// (408) on a real listening server, and load shedding (503 + Retry-After) while the event loop is saturated.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import net, { type AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, validCustomer } from '../helpers/app.js'
import { committedStubModel } from '../helpers/stub-model.js'
import { expectError, postCsv, postJson, postRawJson, sampleCustomers, toApiCsv, type Response } from '../helpers/http.js'

const MAX_BATCH = 50
const BODY_LIMIT_BYTES = 65_536
const MAX_HEADER_BYTES = 2048
const REQUEST_TIMEOUT_MS = 500
/** How long past REQUEST_TIMEOUT_MS a stalled client may stay connected ("about the timeout"). */
const TIMEOUT_SLACK_MS = 1500

const predictor = committedStubModel()
// One app for every limit; load shedding gets its own (below) because a 20 ms event-loop threshold
// would shed this file's other requests whenever a large body is built or parsed.
const app = await buildTestApp(predictor, {
  MAX_BATCH: String(MAX_BATCH),
  BODY_LIMIT_BYTES: String(BODY_LIMIT_BYTES),
  MAX_HEADER_BYTES: String(MAX_HEADER_BYTES),
  REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS)
})
let port = 0
before(async () => {
  await app.listen({ port: 0, host: '127.0.0.1' })
  port = (app.server.address() as AddressInfo).port
})
after(async () => { await app.close() })

/** A valid single-customer body padded with JSON whitespace to exactly `bytes` bytes. */
function paddedCustomerBody (bytes: number): string {
  const json = JSON.stringify(validCustomer())
  assert.ok(json.length <= bytes)
  return json.slice(0, -1) + ' '.repeat(bytes - json.length) + '}'
}

test('POST /predict/batch - exactly MAX_BATCH customers - 200', async () => {
  const response = await postJson(app, '/predict/batch', { customers: sampleCustomers(MAX_BATCH) })
  assert.equal(response.statusCode, 200, response.body.slice(0, 300))
  assert.equal(response.json<{ predictions: unknown[] }>().predictions.length, MAX_BATCH)
})

test('POST /predict/batch - MAX_BATCH + 1 customers as JSON, CSV, partial, or all invalid - 413 naming MAX_BATCH', async () => {
  const customers = sampleCustomers(MAX_BATCH + 1)
  const answers: Array<[string, Response]> = [
    ['json', await postJson(app, '/predict/batch', { customers })],
    ['partial', await postJson(app, '/predict/batch?partial=true', { customers })],
    ['csv', await postCsv(app, '/predict/batch', toApiCsv(customers))],
    ['invalid items', await postJson(app, '/predict/batch', { customers: Array.from({ length: MAX_BATCH + 1 }, () => ({ completion: 7 })) })]
  ]
  for (const [label, response] of answers) {
    const body = expectError(response, 413, 'BATCH_TOO_LARGE')
    assert.match(body.message, /MAX_BATCH/, label)
    assert.match(body.message, new RegExp(`\\b${MAX_BATCH}\\b`), `${label}: names the limit: ${body.message}`)
  }
})

test('POST /predict - a body of exactly BODY_LIMIT_BYTES - 200', async () => {
  const body = paddedCustomerBody(BODY_LIMIT_BYTES)
  assert.equal(Buffer.byteLength(body), BODY_LIMIT_BYTES)
  const response = await postRawJson(app, '/predict', body)
  assert.equal(response.statusCode, 200, response.body.slice(0, 300))
})

test('POST /predict and /predict/batch - one byte over BODY_LIMIT_BYTES, JSON or CSV - 413 naming BODY_LIMIT_BYTES', async () => {
  const csv = toApiCsv(sampleCustomers(10))
  const answers: Array<[string, Response]> = [
    ['single', await postRawJson(app, '/predict', paddedCustomerBody(BODY_LIMIT_BYTES + 1))],
    ['batch', await postRawJson(app, '/predict/batch', `{"customers":[${paddedCustomerBody(BODY_LIMIT_BYTES)}]}`)],
    ['csv', await postCsv(app, '/predict/batch', csv + '\n'.repeat(BODY_LIMIT_BYTES + 1 - csv.length))]
  ]
  for (const [label, response] of answers) {
    const body = expectError(response, 413, 'BODY_TOO_LARGE')
    assert.match(body.message, /BODY_LIMIT_BYTES/, label)
    assert.match(body.message, new RegExp(`\\b${BODY_LIMIT_BYTES}\\b`), `${label}: names the limit: ${body.message}`)
  }
})

interface RawAnswer { status: number | null, text: string, closedAfterMs: number }

/** Writes raw bytes to the listening app, optionally stalls, and reads until the server closes or `waitMs` passes. */
async function rawExchange (chunks: readonly string[], waitMs: number): Promise<RawAnswer> {
  const started = performance.now()
  return await new Promise<RawAnswer>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => { for (const chunk of chunks) socket.write(chunk) })
    let text = ''
    const finish = (): void => {
      clearTimeout(timer)
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)
      resolve({ status: status === null ? null : Number(status[1]), text, closedAfterMs: performance.now() - started })
    }
    const timer = setTimeout(() => { socket.removeAllListeners('close'); socket.destroy(); resolve({ status: null, text, closedAfterMs: Number.POSITIVE_INFINITY }) }, waitMs)
    socket.on('data', (chunk: Buffer) => { text += chunk.toString('latin1') })
    socket.on('close', finish)
    socket.on('error', (err: NodeJS.ErrnoException) => { if (err.code !== 'ECONNRESET') reject(err) })
  })
}

test('listening server - Content-Length above BODY_LIMIT_BYTES, body never sent - 413 at once', async () => {
  const answer = await rawExchange([
    `POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${BODY_LIMIT_BYTES * 100}\r\n\r\n`
  ], 5000)
  assert.equal(answer.status, 413, answer.text.slice(0, 300))
  assert.match(answer.text, /BODY_LIMIT_BYTES/)
})

test('listening server - chunked body (no Content-Length) growing past BODY_LIMIT_BYTES - 413', async () => {
  const status = await new Promise<number>((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/predict/batch', headers: { 'content-type': 'application/json' } }, (response) => {
      response.resume()
      resolve(response.statusCode ?? 0)
    })
    request.on('error', (err: NodeJS.ErrnoException) => { if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') reject(err) })
    const chunk = JSON.stringify(validCustomer()) + ','
    request.write('{"customers":[')
    let sent = 0
    const pump = (): void => {
      while (sent < BODY_LIMIT_BYTES * 2 && !request.destroyed) {
        sent += chunk.length
        if (!request.write(chunk)) { request.once('drain', pump); return }
      }
      request.end(`${JSON.stringify(validCustomer())}]}`)
    }
    pump()
  })
  assert.equal(status, 413)
})

/** A raw GET /health/live with the given extra header lines (a raw socket: Node's client races the early 431 and may report a hang-up). */
async function getWithHeaders (headers: Record<string, string>): Promise<RawAnswer> {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('')
  return await rawExchange([`GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${lines}\r\n`], 5000)
}

test('listening server - request headers within MAX_HEADER_BYTES - 200', async () => {
  const answer = await getWithHeaders({ 'x-pad': 'a'.repeat(MAX_HEADER_BYTES / 2) })
  assert.equal(answer.status, 200, answer.text.slice(0, 200))
})

test('listening server - one header or many headers above MAX_HEADER_BYTES (but below Node\'s 16 KiB default) - 431, connection closed', async () => {
  const one = await getWithHeaders({ 'x-pad': 'a'.repeat(MAX_HEADER_BYTES + 500) })
  assert.equal(one.status, 431, one.text.slice(0, 200))
  const body = JSON.parse(one.text.slice(one.text.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>
  assert.equal(body.code, 'HEADERS_TOO_LARGE')
  assert.match(String(body.message), /MAX_HEADER_BYTES/)
  assert.match(one.text, new RegExp(`x-request-id: ${String(body.requestId)}\r\n`))
  assert.ok(Number.isFinite(one.closedAfterMs), 'the server closes the connection')
  const many: Record<string, string> = {}
  for (let i = 0; i < 40; i++) many[`x-pad-${i}`] = 'b'.repeat(80)
  const total = Object.entries(many).reduce((n, [k, v]) => n + k.length + v.length + 4, 0)
  assert.ok(total > MAX_HEADER_BYTES && total < 16_384, `precondition: ${total} header bytes`)
  const answer = await getWithHeaders(many)
  assert.equal(answer.status, 431, answer.text.slice(0, 200))
})

test('listening server - a slow client that finishes within REQUEST_TIMEOUT_MS - 200', async () => {
  const body = JSON.stringify(validCustomer())
  const socket = net.connect(port, '127.0.0.1')
  await new Promise<void>((resolve) => socket.once('connect', resolve))
  let text = ''
  socket.on('data', (chunk: Buffer) => { text += chunk.toString() })
  socket.write(`POST /predict HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`)
  await new Promise((resolve) => setTimeout(resolve, REQUEST_TIMEOUT_MS / 4))
  socket.write(body.slice(0, 20))
  await new Promise((resolve) => setTimeout(resolve, REQUEST_TIMEOUT_MS / 4))
  socket.end(body.slice(20))
  await new Promise<void>((resolve) => socket.once('close', () => resolve()))
  assert.match(text, /^HTTP\/1\.1 200 /)
})

// Node only enforces requestTimeout when it is given at server creation (app.ts passes it through `http`).
/** The JSON error of a raw answer, checked against its x-request-id header. */
function rawErrorBody (answer: RawAnswer): Record<string, unknown> {
  const body = JSON.parse(answer.text.slice(answer.text.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>
  assert.match(answer.text, new RegExp(`x-request-id: ${String(body.requestId)}\r\n`))
  return body
}

// Node checks request deadlines every connectionsCheckingInterval and answers through clientError.
test('listening server - headers sent, body stalled - 408 REQUEST_TIMEOUT naming the setting, closed within about REQUEST_TIMEOUT_MS', async () => {
  const answer = await rawExchange(['POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{"customerId":'],
    REQUEST_TIMEOUT_MS + TIMEOUT_SLACK_MS)
  assert.ok(answer.closedAfterMs <= REQUEST_TIMEOUT_MS + TIMEOUT_SLACK_MS, `still connected after ${REQUEST_TIMEOUT_MS + TIMEOUT_SLACK_MS} ms`)
  assert.equal(answer.status, 408, answer.text)
  const body = rawErrorBody(answer)
  assert.equal(body.code, 'REQUEST_TIMEOUT')
  assert.match(String(body.message), new RegExp(`${REQUEST_TIMEOUT_MS} ms \\(REQUEST_TIMEOUT_MS\\)`))
})

test('listening server - headers stalled halfway - 408 REQUEST_TIMEOUT, closed within about REQUEST_TIMEOUT_MS', async () => {
  const answer = await rawExchange(['POST /predict HTTP/1.1\r\nHost: x\r\nContent-Ty'], REQUEST_TIMEOUT_MS + TIMEOUT_SLACK_MS)
  assert.ok(answer.closedAfterMs <= REQUEST_TIMEOUT_MS + TIMEOUT_SLACK_MS, `still connected after ${REQUEST_TIMEOUT_MS + TIMEOUT_SLACK_MS} ms`)
  assert.equal(answer.status, 408, answer.text)
  assert.equal(rawErrorBody(answer).code, 'REQUEST_TIMEOUT')
})

test('listening server - bytes that are not HTTP - 400 in the JSON error shape, connection closed', async () => {
  const answer = await rawExchange(['HELLO THERE\r\n\r\n'], 5000)
  assert.equal(answer.status, 400, answer.text.slice(0, 200))
  assert.equal(rawErrorBody(answer).code, 'BAD_REQUEST')
  assert.ok(Number.isFinite(answer.closedAfterMs), 'the server closes the connection')
})

/** Keeps the event loop busy: a chain of setImmediate callbacks, each spinning for `spinMs`, until `untilMs` (performance.now()). */
function saturateEventLoop (untilMs: number, spinMs: number): Promise<void> {
  return new Promise((resolve) => {
    const step = (): void => {
      const end = performance.now() + spinMs
      while (performance.now() < end) { /* busy */ }
      if (performance.now() < untilMs) setImmediate(step)
      else resolve()
    }
    setImmediate(step)
  })
}

/** Polls POST /predict until it answers 200 or `ms` pass; returns the last status. */
async function scoreWithin (target: FastifyInstance, ms: number): Promise<number> {
  const deadline = performance.now() + ms
  let status = 0
  while (performance.now() < deadline) {
    status = (await postJson(target, '/predict', validCustomer())).statusCode
    if (status === 200) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return status
}

test('load shedding - event loop saturated past MAX_EVENT_LOOP_DELAY_MS - POST /predict 503 OVERLOADED with Retry-After, probes and /metrics never 503, 200 again after', async (t) => {
  const shedding: FastifyInstance = await buildTestApp(predictor, { MAX_EVENT_LOOP_DELAY_MS: '20' })
  t.after(async () => { await shedding.close() })
  await shedding.ready()
  const body = validCustomer()
  // Building the app blocks the loop for a moment: wait until a sample has seen it idle.
  assert.equal(await scoreWithin(shedding, 3000), 200, 'precondition: an idle app scores')

  const predictAnswers: Response[] = []
  const protocolAnswers: Response[] = []
  const probeAnswers: Array<[string, Response]> = []
  const pending: Array<Promise<void>> = []
  const loadEnds = performance.now() + 1500
  const ticker = setInterval(() => {
    pending.push(postJson(shedding, '/predict', body).then((r) => { predictAnswers.push(r) }))
    pending.push(shedding.inject({ method: 'GET', url: '/v2/models/buy-again' }).then((r) => { protocolAnswers.push(r) }))
    for (const url of ['/health/live', '/metrics']) pending.push(shedding.inject({ method: 'GET', url }).then((r) => { probeAnswers.push([url, r]) }))
  }, 50)
  await saturateEventLoop(loadEnds, 50)
  clearInterval(ticker)
  await Promise.all(pending)

  t.diagnostic(`during load: ${predictAnswers.length} POST /predict (${predictAnswers.filter((r) => r.statusCode === 503).length} shed), ${probeAnswers.length} probe/metrics requests`)
  const shed = predictAnswers.filter((r) => r.statusCode === 503)
  assert.ok(shed.length > 0, `no 503 among ${predictAnswers.map((r) => r.statusCode).join(',')}`)
  for (const response of shed) {
    const error = expectError(response, 503, 'OVERLOADED')
    assert.equal(response.headers['retry-after'], '1')
    assert.match(error.message, /overloaded/)
  }
  for (const response of predictAnswers) assert.ok(response.statusCode === 200 || response.statusCode === 503, `unexpected ${response.statusCode}`)
  // The /v2 routes shed alike, in the protocol's error shape, with the same Retry-After.
  const protocolShed = protocolAnswers.filter((r) => r.statusCode === 503)
  assert.ok(protocolShed.length > 0, `no /v2 503 among ${protocolAnswers.map((r) => r.statusCode).join(',')}`)
  for (const response of protocolShed) {
    assert.equal(response.headers['retry-after'], '1')
    assert.match(response.json<{ error: string }>().error, /overloaded/)
  }
  for (const [url, response] of probeAnswers) assert.equal(response.statusCode, 200, `${url} answered ${response.statusCode} under load`)

  // The next 100 ms sample sees an idle loop; scoring must come back within a few samples.
  assert.equal(await scoreWithin(shedding, 3000), 200, 'POST /predict answers 200 again once the load stops')
})

test('load shedding - event loop busy in 120 ms stretches, far below MAX_EVENT_LOOP_DELAY_MS=1000 - no 503', async (t) => {
  const lenient: FastifyInstance = await buildTestApp(predictor, { MAX_EVENT_LOOP_DELAY_MS: '1000' })
  t.after(async () => { await lenient.close() })
  await lenient.ready()
  assert.equal(await scoreWithin(lenient, 3000), 200, 'precondition: an idle app scores')
  const statuses: number[] = []
  const pending: Array<Promise<void>> = []
  const ticker = setInterval(() => {
    pending.push(postJson(lenient, '/predict', validCustomer()).then((r) => { statuses.push(r.statusCode) }))
  }, 50)
  await saturateEventLoop(performance.now() + 1200, 120)
  clearInterval(ticker)
  await Promise.all(pending)
  assert.deepEqual(statuses.filter((s) => s !== 200), [], `statuses: ${statuses.join(',')}`)
})
