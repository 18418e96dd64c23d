// node --expose-gc --import tsx bench/model-swap.ts [--seconds 6] [--rounds 3]
// What a live model swap costs the requests being served: a listening service (the real app, the
// committed model copied as two versions) under closed-loop POST /predict clients, in alternating
// phases with and without a swap of models/CURRENT every second; latency percentiles per phase kind.
// Loading a version runs in the serving process (file reads, TensorFlow.js model build, the executor's
// golden check, warm-up), so the worst added latency is its longest synchronous stretch.
// Also prints the memory added by holding one more version (pinned with ?modelVersion=).
import { cp, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { resolveCurrentDir } from '../src/artefact/artefact-store.js'
import { DEFAULT_MODELS_ROOT } from '../src/artefact/models-root.js'
import { tf } from '../src/artefact/tensorflow.js'
import { loadConfig } from '../src/config.js'
import { exampleCustomer } from '../src/domain/customer.js'
import { createService } from '../src/service.js'
import { numberArgument } from './arguments.js'

const SECONDS = numberArgument('--seconds', 6)
const ROUNDS = numberArgument('--rounds', 3)
const CLIENTS = 4

const root = await mkdtemp(join(tmpdir(), 'swap-bench-'))
for (const version of ['v-a', 'v-b', 'v-c']) {
  await cp(await resolveCurrentDir(DEFAULT_MODELS_ROOT), join(root, version), { recursive: true })
  const card = JSON.parse(await readFile(join(root, version, 'card.json'), 'utf8')) as Record<string, unknown>
  await writeFile(join(root, version, 'card.json'), JSON.stringify({ ...card, version }))
}
await writeFile(join(root, 'CURRENT'), 'v-a\n')
const service = await createService(loadConfig({ HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', MAX_EVENT_LOOP_DELAY_MS: '0' }, root))
await service.start()
const base = `http://127.0.0.1:${(service.app.server.address() as AddressInfo).port}`
const body = JSON.stringify(exampleCustomer())

async function phase (swapping: boolean): Promise<{ latencies: number[], swaps: number, failures: number }> {
  const latencies: number[] = []
  let failures = 0
  let swaps = 0
  const end = Date.now() + SECONDS * 1000
  const clients = Array.from({ length: CLIENTS }, async () => {
    while (Date.now() < end) {
      const started = performance.now()
      const response = await fetch(`${base}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      await response.arrayBuffer()
      if (response.status !== 200) failures++
      latencies.push(performance.now() - started)
    }
  })
  const swapper = (async () => {
    if (!swapping) return
    while (Date.now() < end - 1000) {
      await sleep(1000)
      const next = service.versions.current.current().version === 'v-a' ? 'v-b' : 'v-a'
      await writeFile(join(root, '.CURRENT.tmp'), next + '\n')
      await rename(join(root, '.CURRENT.tmp'), join(root, 'CURRENT'))
      swaps++
    }
  })()
  await Promise.all([...clients, swapper])
  return { latencies, swaps, failures }
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN
const summary = (label: string, latencies: number[]): string => {
  const sorted = [...latencies].sort((a, b) => a - b)
  return `${label}: ${sorted.length} requests, p50 ${percentile(sorted, 0.5).toFixed(2)} ms, p99 ${percentile(sorted, 0.99).toFixed(2)} ms, max ${(sorted.at(-1) ?? Number.NaN).toFixed(1)} ms`
}

const steady: number[] = []
const swapping: number[] = []
let swaps = 0
let failures = 0
await phase(false) // warm-up
for (let round = 0; round < ROUNDS; round++) {
  const quiet = await phase(false)
  const busy = await phase(true)
  steady.push(...quiet.latencies)
  swapping.push(...busy.latencies)
  swaps += busy.swaps
  failures += quiet.failures + busy.failures
}
process.stdout.write(`${summary('no swap ', steady)}\n${summary('swapping', swapping)} (${swaps} swaps)\nfailed requests: ${failures}\n`)

// Heap and tensor bytes, after a full collection (run with --expose-gc): RSS moves with collections.
const memory = (): { heapMiB: number, tensorKiB: number } => {
  global.gc?.()
  return { heapMiB: process.memoryUsage().heapUsed / 2 ** 20, tensorKiB: tf.memory().numBytes / 1024 }
}
const before = memory()
await fetch(`${base}/predict?modelVersion=v-c`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
const after = memory()
process.stdout.write(`one more loaded version: +${(after.heapMiB - before.heapMiB).toFixed(2)} MiB JS heap, +${(after.tensorKiB - before.tensorKiB).toFixed(1)} KiB of tensors${global.gc === undefined ? ' (run with node --expose-gc for exact figures)' : ''}\n`)
await service.app.close()
await rm(root, { recursive: true, force: true })
