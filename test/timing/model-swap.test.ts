// The live swap end to end on a listening service: requests in flight while models/CURRENT changes
// all succeed, readiness stays 200, answers carry the new version within 5 s; then a broken version
// is refused by the watcher (one error line naming version and file) and the old one keeps serving.
import assert from 'node:assert/strict'
import { rename, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { loadConfig } from '../../src/config.js'
import { createService, type Service } from '../../src/service.js'
import { validCustomer } from '../helpers/app.js'
import { LogCapture } from '../helpers/http.js'
import { makeModelsRoot } from '../helpers/model-versions.js'

/** The contract: answers carry the new version within this long of CURRENT changing. */
const SWAP_DEADLINE_MS = 5000
const CLIENTS = 6

let root: string
let service: Service
let base: string
const logs = new LogCapture()

before(async () => {
  root = await makeModelsRoot({ 'v-a': 'none', 'v-b': 'none', 'v-bad': 'truncated' }, 'v-a')
  const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', MAX_EVENT_LOOP_DELAY_MS: '0' }, root)
  service = await createService(config, { logStream: logs })
  await service.start()
  base = `http://127.0.0.1:${(service.app.server.address() as AddressInfo).port}`
})
after(async () => { await service.app.close() })

async function writeCurrent (version: string): Promise<void> {
  // As `npm run models -- promote` does: a temporary file renamed into place.
  await writeFile(join(root, '.CURRENT.test'), version + '\n')
  await rename(join(root, '.CURRENT.test'), join(root, 'CURRENT'))
}

interface Outcome { readonly status: number | string, readonly version: string | null, readonly endedAt: number }

async function call (path: string, body: unknown): Promise<Outcome> {
  try {
    const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    const json = await response.json() as { modelVersion?: string }
    return { status: response.status, version: json.modelVersion ?? null, endedAt: Date.now() }
  } catch (err) {
    return { status: `network error: ${String((err as Error).cause ?? err)}`, version: null, endedAt: Date.now() }
  }
}

test('live swap - CURRENT changes under load - no request fails, readiness stays 200, new answers carry the new version within 5 s', async () => {
  const outcomes: Outcome[] = []
  const readiness: number[] = []
  const load = { running: true }
  const batch = { customers: Array.from({ length: 200 }, (_, i) => validCustomer({ customerId: i })) }
  const clients = Array.from({ length: CLIENTS }, async (_, k) => {
    while (load.running) outcomes.push(await (k % 2 === 0 ? call('/predict', validCustomer()) : call('/predict/batch', batch)))
  })
  const probe = (async () => {
    while (load.running) {
      readiness.push((await fetch(`${base}/health/ready`)).status)
      await sleep(20)
    }
  })()
  await sleep(500)
  const changedAt = Date.now()
  await writeCurrent('v-b')
  let swappedAt: number | null = null
  while (Date.now() - changedAt < SWAP_DEADLINE_MS + 1000) {
    const latest = outcomes.at(-1)
    if (latest?.version === 'v-b') {
      swappedAt = latest.endedAt
      break
    }
    await sleep(20)
  }
  await sleep(500)
  load.running = false
  await Promise.all([...clients, probe])

  const failures = outcomes.filter((o) => o.status !== 200)
  assert.deepEqual(failures, [], 'every request answered 200')
  assert.ok(readiness.length > 10 && readiness.every((s) => s === 200), `readiness: ${readiness.join(',')}`)
  assert.notEqual(swappedAt, null, 'answers never carried v-b')
  assert.ok((swappedAt as number) - changedAt <= SWAP_DEADLINE_MS, `v-b answered after ${(swappedAt as number) - changedAt} ms`)
  const versions = new Set(outcomes.map((o) => o.version))
  assert.deepEqual([...versions].sort(), ['v-a', 'v-b'])
  // Requests started after the swap completed are all answered by v-b.
  const swapLine = logs.lines().find((l) => l.msg === 'model swapped')
  assert.equal(swapLine?.to, 'v-b')
  assert.deepEqual(outcomes.filter((o) => o.endedAt > (swappedAt as number) + 200 && o.version !== 'v-b'), [])
})

test('live swap - CURRENT names a version with a truncated weights.bin - one error line naming it and the file, the old version keeps serving', async () => {
  await writeCurrent('v-bad')
  const deadline = Date.now() + SWAP_DEADLINE_MS
  interface Listing { serving: string, lastReloadError: { version: string, file: string } | null }
  let listing: Listing | null = null
  while (Date.now() < deadline) {
    listing = await (await fetch(`${base}/models`)).json() as Listing
    if (listing.lastReloadError?.version === 'v-bad') break
    await sleep(50)
  }
  assert.equal(listing?.lastReloadError?.version, 'v-bad')
  assert.match(String(listing?.lastReloadError?.file), /v-bad\/weights\.bin$/)
  assert.equal(listing?.serving, 'v-b')
  await sleep(2500) // two more polls: the refused version is not retried (or logged) again
  const errors = logs.lines().filter((l) => l.level === 50)
  assert.equal(errors.length, 1, JSON.stringify(errors))
  assert.match(String(errors[0]?.msg), /v-bad.*weights\.bin/)
  const answer = await call('/predict', validCustomer())
  assert.deepEqual([answer.status, answer.version], [200, 'v-b'])
  assert.equal((await fetch(`${base}/health/ready`)).status, 200)
})
