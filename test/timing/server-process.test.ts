// The real server process, once each way: a start-up failure exits 1 with one line naming the file,
// and SIGTERM under load answers every accepted request whole, then exits 0; a stop signal repeated at
// once (as npm start delivers a Ctrl-C) drains once, another one exits at once. The other start-up
// failures and the drain itself are tested in process (service.test.ts).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { validCustomer } from '../helpers/app.js'
import { startServer, waitUntilReady } from '../helpers/server-process.js'

test('server - missing artefact directory - exits 1 with one stderr line naming card.json, the port never opens', async () => {
  const server = startServer({ MODEL_DIR: '/nonexistent/model' })
  assert.equal(await server.exited, 1, `exit code; stderr: ${server.stderr()}`)
  const lines = server.stderr().trim().split('\n')
  assert.equal(lines.length, 1, `one line on stderr, got: ${server.stderr()}`)
  assert.match(lines[0] as string, /^buy-again: cannot start: .*\/nonexistent\/model\/card\.json: file is missing/)
  assert.doesNotMatch(server.stdout(), /Server listening/, 'the port must not open')
})

test('server - SIGTERM with batches in flight, then 5 MB explain answers asked for during the drain delay - readiness 503, every body whole, exit 0 within 10 s', async () => {
  // Load shedding off: on a busy CI machine it may rightly answer 503 to some of the batches.
  const server = startServer({ SHUTDOWN_DELAY_MS: '3000', MAX_EVENT_LOOP_DELAY_MS: '0' })
  const base = await waitUntilReady(server)
  assert.equal((await fetch(`${base}/health/ready`)).status, 200)
  const post = async (path: string, body: string): Promise<{ status: number, body: { predictions: unknown[] } }> => {
    const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    // .json() throws on a body cut short (http.Server's own close destroys "idle" sockets mid-flush).
    return { status: response.status, body: await response.json() as { predictions: unknown[] } }
  }
  const batch = JSON.stringify({ customers: Array.from({ length: 5000 }, (_, i) => validCustomer({ customerId: i })) })
  const explained = JSON.stringify({ customers: Array.from({ length: 10_000 }, (_, i) => validCustomer({ customerId: i, lastVisitDaysAfterPurchase: i % 400 })) })
  const batches = Array.from({ length: 12 }, async () => await post('/predict/batch', batch))
  await sleep(30)
  const signalledAt = Date.now()
  server.child.kill('SIGTERM')
  // The signal is handled on the next free event-loop turn; during the drain delay (3 s, ample on a loaded machine) the
  // listener is still open and readiness says 503.
  let readiness = 200
  for (let i = 0; i < 200 && readiness === 200; i++) {
    readiness = (await fetch(`${base}/health/ready`, { headers: { connection: 'close' } }).catch((err: Error) => { throw new Error(`readiness poll ${i}: ${String((err.cause as Error | undefined)?.message)}`) })).status
    if (readiness === 200) await sleep(20)
  }
  assert.equal(readiness, 503)
  // Still accepted during the delay and served as usual; about 5 MB each, written around the time
  // the listener closes.
  const large = Array.from({ length: 3 }, async () => await post('/predict/batch?explain=true', explained))
  for (const { status, body } of await Promise.all(batches)) {
    assert.equal(status, 200)
    assert.equal(body.predictions.length, 5000)
  }
  for (const { status, body } of await Promise.all(large)) {
    assert.equal(status, 200)
    assert.equal(body.predictions.length, 10_000)
  }
  const code = await server.exited
  assert.equal(code, 0, server.stderr() + server.stdout().split('\n').filter((line) => !line.includes('"msg":"request"')).join('\n'))
  assert.ok(Date.now() - signalledAt < 10_000, 'exits within 10 s')
  assert.match(server.stdout(), /"signal":"SIGTERM".*"msg":"shutting down: readiness is 503, finishing in-flight requests"/)
  assert.match(server.stdout(), /"msg":"closed"/)
})

test('server - the same stop signal twice at once (npm start forwarding a Ctrl-C the server got too) - one drain, exit 0', async () => {
  const server = startServer({ SHUTDOWN_DELAY_MS: '500' })
  await waitUntilReady(server)
  server.child.kill('SIGINT')
  // The copy forwarded by npm comes once the first is being handled (sent together, the two would merge
  // into one delivery): a few milliseconds later, well inside the server's 250 ms window.
  while (!server.stdout().includes('shutting down')) await sleep(5)
  server.child.kill('SIGINT')
  assert.equal(await server.exited, 0, server.stdout() + server.stderr())
  assert.equal(server.stdout().match(/"msg":"shutting down: readiness is 503/g)?.length, 1)
  assert.doesNotMatch(server.stdout(), /second/)
  assert.match(server.stdout(), /"msg":"closed"/)
})

test('server - another stop signal during the drain - exits 1 at once, without waiting for the drain', async () => {
  const server = startServer({ SHUTDOWN_DELAY_MS: '20000' })
  await waitUntilReady(server)
  server.child.kill('SIGTERM')
  server.child.kill('SIGINT')
  assert.equal(await server.exited, 1, server.stdout() + server.stderr())
  // Pending together, the two are delivered in signal-number order (SIGINT first), whichever was sent first.
  assert.match(server.stdout(), /"signal":"SIG(INT|TERM)".*"msg":"second signal while shutting down: exiting now"/)
})
