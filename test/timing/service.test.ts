// Start-up and shutdown in process: start-up failures name the file or variable and leave nothing
// listening; app.close() on a listening app drains (answers in flight finish whole, requests arriving
// during the drain delay are served) before the onClose hooks run. The real process: server-process.test.ts.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import http, { type IncomingMessage } from 'node:http'
import { readFile, rename, rm, truncate, writeFile } from 'node:fs/promises'
import type { AddressInfo, Socket } from 'node:net'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { sha256 } from '../../src/artefact/artefact-store.js'
import { tf } from '../../src/artefact/tensorflow.js'
import { DEFAULT_MODELS_ROOT } from '../../src/artefact/models-root.js'
import { loadConfig } from '../../src/config.js'
import type { Predictor } from '../../src/model/predictor.js'
import { createService, describeStartupFailure } from '../../src/service.js'
import { buildTestApp, loadCommittedPredictor, validCustomer } from '../helpers/app.js'
import { copyCommittedArtefact } from '../helpers/server-process.js'

/** Listening servers in this process (net.Server handles). */
function listeningServerCount (): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'TCPServerWrap').length
}

/** Runs start-up as server.ts does and returns the stderr line it would print; fails if anything listens after. */
async function startupFailure (env: Record<string, string>, modelsRoot?: string): Promise<string> {
  const listeningBefore = listeningServerCount()
  try {
    const service = await createService(loadConfig({ HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', ...env }, modelsRoot))
    try {
      await service.start()
    } finally {
      assert.equal(service.app.server.listening, false, 'the port must not stay open')
    }
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err
    assert.equal(listeningServerCount(), listeningBefore, 'nothing listens')
    const line = describeStartupFailure(err)
    assert.doesNotMatch(line, /\n/, 'one line')
    return line
  }
  assert.fail('start-up succeeded')
}

describe('service start-up', () => {
  // First in the file: the wasm backend is loaded once per process.
  test('service - started, then app.close() - was ready; TensorFlow left no crash listeners; afterwards the port is closed and the model disposed', async () => {
    const crashListeners = (): number[] => [process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection')]
    const listenersBefore = crashListeners()
    const { app, start } = await createService(loadConfig({ HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', MAX_EVENT_LOOP_DELAY_MS: '0' }))
    await start()
    // Crashes are server.ts's (close-with-grace): the wasm backend's rethrowing listeners would exit 7 first.
    assert.deepEqual(crashListeners(), listenersBefore)
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
    assert.equal((await fetch(`${base}/health/ready`)).status, 200)
    const tensorsServing = tf.memory().numTensors
    await app.close()
    assert.equal(app.server.listening, false)
    // The service made the model holder, so closing the service disposes the model's tensors.
    assert.ok(tf.memory().numTensors < tensorsServing, `tensors: ${tensorsServing} -> ${tf.memory().numTensors}`)
  })

  test('service - MODEL_DIR naming the models root instead of a version folder - fails saying so', async () => {
    assert.match(await startupFailure({ MODEL_DIR: DEFAULT_MODELS_ROOT }), /card\.json: file is missing: MODEL_DIR names a models root \(it holds CURRENT\), not a version folder; set MODEL_DIR to one of its version folders/)
  })

  test('service - missing artefact directory - fails naming card.json', async () => {
    assert.match(await startupFailure({ MODEL_DIR: '/nonexistent/model' }), /^buy-again: cannot start: .*\/nonexistent\/model\/card\.json: file is missing/)
  })

  test('service - truncated weights - fails naming weights.bin', async () => {
    const dir = await copyCommittedArtefact()
    const size = (await readFile(join(dir, 'weights.bin'))).length
    await truncate(join(dir, 'weights.bin'), size - 4)
    assert.match(await startupFailure({ MODEL_DIR: dir }), /weights\.bin: SHA-256 does not match/)
  })

  test('service - missing model.json - fails naming model.json', async () => {
    const dir = await copyCommittedArtefact()
    await rm(join(dir, 'model.json'))
    assert.match(await startupFailure({ MODEL_DIR: dir }), /model\.json: file is missing/)
  })

  test('service - CURRENT names a copied folder that kept its old card - fails naming card.json, as a reload would', async () => {
    const copy = await copyCommittedArtefact()
    const root = dirname(copy)
    await rename(copy, join(root, 'v-copied'))
    await writeFile(join(root, 'CURRENT'), 'v-copied\n')
    assert.match(await startupFailure({}, root), /card\.json: names version "v\d{8}-[0-9a-f]{8}", but its directory is v-copied/)
  })

  test('service - corrupt card.json - fails naming card.json', async () => {
    const dir = await copyCommittedArtefact()
    await writeFile(join(dir, 'card.json'), '{"version": ')
    assert.match(await startupFailure({ MODEL_DIR: dir }), /card\.json: is not valid JSON/)
  })

  test('service - preprocessing from other code - fails naming preprocessing.json and the schema hash', async () => {
    const dir = await copyCommittedArtefact()
    const file = join(dir, 'preprocessing.json')
    const preprocessing = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>
    preprocessing.schemaHash = 'f'.repeat(64)
    const text = JSON.stringify(preprocessing)
    await writeFile(file, text)
    // Keep the checksum right so only the schema check can fail.
    const card = JSON.parse(await readFile(join(dir, 'card.json'), 'utf8')) as { files: Record<string, string> }
    card.files['preprocessing.json'] = sha256(text)
    await writeFile(join(dir, 'card.json'), JSON.stringify(card))
    assert.match(await startupFailure({ MODEL_DIR: dir }), /preprocessing\.json: was made by different preprocessing code/)
  })

  test('service - bad environment variable - fails naming it', async () => {
    assert.match(await startupFailure({ PORT: 'eighty' }), /^buy-again: cannot start: invalid configuration: PORT must be an integer/)
    assert.match(await startupFailure({ MAX_BATCH: '-5' }), /MAX_BATCH must be an integer/)
  })

  test('service - HOST that does not resolve - fails naming HOST/PORT, no stack trace, port closed', async () => {
    const line = await startupFailure({ HOST: 'no-such-host.invalid', PORT: '3999' })
    assert.match(line, /^buy-again: cannot start: invalid configuration: HOST\/PORT: cannot listen on no-such-host\.invalid:3999/)
    assert.doesNotMatch(line, /\bat /)
  })

  test('describeStartupFailure - an unexpected error - keeps its stack for the log', () => {
    assert.match(describeStartupFailure(new Error('boom')), /^buy-again: cannot start: Error: boom\n\s+at /)
  })

  test('service - the event loop blocked for longer than a shedding sample before start (set-up on a busy machine) - the first request after ready is scored, not shed', async () => {
    const { app, start } = await createService(loadConfig({ HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'silent', MAX_EVENT_LOOP_DELAY_MS: '1000' }))
    try {
      // No delay sample for over a second: load shedding then reads an infinite delay.
      const blockedUntil = performance.now() + 1100
      while (performance.now() < blockedUntil) { /* busy, as a slow synchronous set-up is */ }
      // Let the sampler take its reading (a delay far above the limit, or Infinity for a second without
      // samples) before listening.
      await sleep(50)
      await start()
      const response = await app.inject({ method: 'POST', url: '/predict', payload: validCustomer() })
      assert.equal(response.statusCode, 200, response.body)
    } finally {
      await app.close()
    }
  })
})

/** A GET on `agent`; resolves once the headers are in (the body is left unread). */
async function get (port: number, path: string, agent: http.Agent | false): Promise<IncomingMessage> {
  const request = http.get({ host: '127.0.0.1', port, path, agent })
  const [response] = await once(request, 'response') as [IncomingMessage]
  return response
}

async function bodyOf (response: IncomingMessage): Promise<string> {
  let text = ''
  for await (const chunk of response) text += (chunk as Buffer).toString('latin1')
  return text
}

describe('app.close on a listening app', () => {
  let predictor: Predictor
  before(async () => { predictor = await loadCommittedPredictor() })
  after(() => { predictor.dispose() })

  /** An answer that is still being flushed to a client that reads slowly when the listener closes. */
  const LARGE_BYTES = 16 * 1024 * 1024

  async function listeningApp (): Promise<{ app: FastifyInstance, port: number, events: string[] }> {
    const app = await buildTestApp(predictor, { SHUTDOWN_DELAY_MS: '500' })
    const events: string[] = []
    const large = 'x'.repeat(LARGE_BYTES)
    app.get('/test/large', async (_request, reply) => {
      await sleep(50)
      return await reply.type('text/plain').send(large)
    })
    // Still working when the listener closes (the drain delay is 500 ms).
    app.get('/test/slow', async () => {
      await sleep(800)
      return { done: true }
    })
    app.addHook('onClose', (_instance, done) => { events.push('onClose'); done() })
    await app.listen({ host: '127.0.0.1', port: 0 })
    app.readiness.markReady()
    return { app, port: (app.server.address() as AddressInfo).port, events }
  }

  test('app.close - keep-alive connections, a 16 MB answer its client reads late, a slow answer - readiness 503 and requests still served during the delay, both answers arrive whole, then onClose runs', async () => {
    const { app, port, events } = await listeningApp()
    const idleAgent = new http.Agent({ keepAlive: true, maxSockets: 1 })
    const largeAgent = new http.Agent({ keepAlive: true, maxSockets: 1 })
    const slowAgent = new http.Agent({ keepAlive: true, maxSockets: 1 })
    after(() => { idleAgent.destroy(); largeAgent.destroy(); slowAgent.destroy() })

    const first = await get(port, '/health/live', idleAgent)
    const idleSocket = first.socket as Socket
    await bodyOf(first)
    const large = await get(port, '/test/large', largeAgent)
    large.pause()
    const slow = get(port, '/test/slow', slowAgent)

    const closed = app.close().then(() => events.push('closed'))
    // During the delay: readiness says 503, and a request on the open keep-alive connection is
    // served as usual (not Fastify's own 503), told to close its connection.
    const ready = await get(port, '/health/ready', false)
    assert.equal(ready.statusCode, 503)
    assert.deepEqual(JSON.parse(await bodyOf(ready)), { status: 'draining' })
    const onKeptConnection = await get(port, '/health/live', idleAgent)
    assert.equal(onKeptConnection.socket, idleSocket, 'the same keep-alive connection')
    assert.equal(onKeptConnection.statusCode, 200)
    assert.equal(onKeptConnection.headers.connection, 'close')
    assert.deepEqual(JSON.parse(await bodyOf(onKeptConnection)), { status: 'ok' })
    if (!idleSocket.destroyed) await once(idleSocket, 'close')

    // After the delay the listener closes, but app.close() waits for the answers in flight.
    while (app.server.listening) await sleep(20)
    await sleep(100)
    assert.deepEqual(events, [], 'onClose waits for the answers in flight')

    const body = await bodyOf(large.resume())
    assert.equal(large.statusCode, 200)
    assert.equal(body.length, LARGE_BYTES)
    const slowAnswer = await slow
    assert.equal(slowAnswer.statusCode, 200)
    assert.deepEqual(JSON.parse(await bodyOf(slowAnswer)), { done: true })
    await closed
    assert.deepEqual(events, ['onClose', 'closed'])
  })

  test('app.close - an app built on a shared model holder - leaves the model usable (the caller owns it)', async () => {
    const app = await buildTestApp(predictor)
    await app.ready()
    await app.close()
    const [probability] = await predictor.predict([validCustomer()])
    assert.ok(probability !== undefined && probability > 0 && probability < 1)
  })

  test('app.close - an app that never listened - returns at once, readiness draining', async () => {
    const app = await buildTestApp(predictor, { SHUTDOWN_DELAY_MS: '5000' })
    await app.ready()
    const started = performance.now()
    await app.close()
    assert.ok(performance.now() - started < 1000)
    assert.equal(app.readiness.state, 'draining')
  })
})
