// Requests Node's HTTP parser refuses before any route runs (400 not HTTP, 408 timeout, 431 headers
// too large) on a real listening server: each counted once in buy_again_http_refused_requests_total by
// its status, none in http_request_duration_seconds; requests that reach a route are not counted.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import net, { type AddressInfo } from 'node:net'
import { buildTestApp } from '../helpers/app.js'
import { committedStubModel } from '../helpers/stub-model.js'

const MAX_HEADER_BYTES = 2048
const REQUEST_TIMEOUT_MS = 500
/** How long past REQUEST_TIMEOUT_MS a stalled client may wait for the 408. */
const TIMEOUT_SLACK_MS = 1500

const app = await buildTestApp(committedStubModel(), { MAX_HEADER_BYTES: String(MAX_HEADER_BYTES), REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) })
let port = 0
before(async () => {
  await app.listen({ port: 0, host: '127.0.0.1' })
  port = (app.server.address() as AddressInfo).port
})
after(async () => { await app.close() })

/** Writes raw bytes and returns the status line's code once the server closes (null: none within `waitMs`). */
async function rawStatus (text: string, waitMs: number): Promise<number | null> {
  return await new Promise<number | null>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => { socket.write(text) })
    let received = ''
    const timer = setTimeout(() => { socket.removeAllListeners('close'); socket.destroy(); resolve(null) }, waitMs)
    socket.on('data', (chunk: Buffer) => { received += chunk.toString('latin1') })
    socket.on('close', () => {
      clearTimeout(timer)
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received)
      resolve(status === null ? null : Number(status[1]))
    })
    socket.on('error', (err: NodeJS.ErrnoException) => { if (err.code !== 'ECONNRESET') reject(err) })
  })
}

/** The refusal counter by status code, and the total of request duration samples. */
async function counts (): Promise<{ refused: Record<string, number>, durationSamples: number }> {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body
  const refused: Record<string, number> = {}
  let durationSamples = 0
  for (const line of text.split('\n')) {
    const refusal = /^buy_again_http_refused_requests_total\{status_code="(\d+)"\} (\d+)$/.exec(line)
    if (refusal !== null) refused[refusal[1] as string] = Number(refusal[2])
    if (line.startsWith('http_request_duration_seconds_count{')) durationSamples += Number(line.split(' ').pop())
  }
  return { refused, durationSamples }
}

test('listening server - a 400, a 431 and a 408 from the HTTP parser - each counted once by status, no duration sample', async () => {
  const before = await counts()
  assert.deepEqual(before.refused, { 400: 0, 408: 0, 431: 0 })
  assert.equal(await rawStatus('HELLO THERE\r\n\r\n', 5000), 400)
  assert.equal(await rawStatus(`GET /health/live HTTP/1.1\r\nHost: x\r\nx-pad: ${'a'.repeat(MAX_HEADER_BYTES + 500)}\r\n\r\n`, 5000), 431)
  assert.equal(await rawStatus('POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{"customerId":',
    REQUEST_TIMEOUT_MS + TIMEOUT_SLACK_MS), 408)
  const afterRefusals = await counts()
  assert.deepEqual(afterRefusals.refused, { 400: 1, 408: 1, 431: 1 })
  // Only the /metrics scrape in between (inject runs the hooks) added a duration sample.
  assert.equal(afterRefusals.durationSamples - before.durationSamples, 1)
})

test('listening server - requests that reach a route, even a 404 - not counted as refused', async () => {
  const before = await counts()
  assert.equal(await rawStatus('GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 5000), 200)
  assert.equal(await rawStatus('GET /no-such-path HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 5000), 404)
  const afterRequests = await counts()
  assert.deepEqual(afterRequests.refused, before.refused)
  assert.equal(afterRequests.durationSamples - before.durationSamples, 3) // the two requests and the scrape before
})

test('listening server - a large body to a route that answers without reading it (404), the client then closing mid-body - answered once, not counted as refused', async () => {
  const before = await counts()
  const status = await new Promise<number | null>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write('POST /no-such-path HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n')
      socket.write('x'.repeat(64 * 1024))
    })
    let received = ''
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1')
      // The answer is in: stop sending, as a client that read it does, with most of the body unsent.
      if (received.includes('\r\n\r\n') && /"statusCode"/.test(received)) socket.end()
    })
    socket.on('close', () => { resolve(/^HTTP\/1\.1 (\d{3})/.exec(received) === null ? null : Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1])) })
    socket.on('error', (err: NodeJS.ErrnoException) => { if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') reject(err) })
  })
  assert.equal(status, 404)
  // The server sees the connection end mid-body a moment after the answer.
  await new Promise((resolve) => setTimeout(resolve, 200))
  const after = await counts()
  assert.deepEqual(after.refused, before.refused)
  assert.equal(after.durationSamples - before.durationSamples, 2) // the 404 and the scrape before
})

test('listening server - the same kept-alive connection after such an early answer, its body sent in full - a later request with oversized headers is answered 431 and counted', async () => {
  const before = await counts()
  const BODY = 200_000
  const statuses = await new Promise<number[]>((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(`POST /no-such-path HTTP/1.1\r\nHost: x\r\nContent-Length: ${BODY}\r\n\r\n`)
      socket.write('x'.repeat(1000))
    })
    let received = ''
    let rest = true
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1')
      if (rest && /"statusCode":404/.test(received)) {
        rest = false
        // The client finishes its body, then sends its next request on the same connection.
        socket.write('x'.repeat(BODY - 1000))
        socket.write(`GET /health/live HTTP/1.1\r\nHost: x\r\nx-pad: ${'a'.repeat(MAX_HEADER_BYTES + 500)}\r\n\r\n`)
      }
    })
    socket.on('close', () => { resolve([...received.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]))) })
    socket.on('error', (err: NodeJS.ErrnoException) => { if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') reject(err) })
  })
  assert.deepEqual(statuses, [404, 431])
  const after = await counts()
  assert.equal((after.refused['431'] ?? 0) - (before.refused['431'] ?? 0), 1)
})
