// node --import tsx bench/drift.ts [--rounds 30] [--batches 10]
// What drift bookkeeping costs scoring: 10,000-customer batches scored in process through the scoring
// use case (the committed model, wasm) with and without DriftWindow.observe after each batch, in
// alternating phases (order flipped every round) so this VM's speed drift hits both alike. Figures are
// ratios within a round; the median over rounds is the answer. Also times observe() alone, and whole
// POST /predict/batch requests (app.inject) with and without the bookkeeping.
import type { FastifyInstance } from 'fastify'
import { DEFAULT_MODELS_ROOT } from '../src/artefact/models-root.js'
import { loadConfig } from '../src/config.js'
import { buildApp } from '../src/http/app.js'
import { ModelVersions } from '../src/model/model-versions.js'
import type { Customer } from '../src/domain/customer.js'
import { loadConfiguredModel } from '../src/model/model-loader.js'
import { DriftWindow } from '../src/scoring/drift-window.js'
import { scoreCustomers } from '../src/scoring/score-customers.js'
import { generateCustomers } from '../test/helpers/synthetic.js'
import { numberArgument } from './arguments.js'

const ROUNDS = numberArgument('--rounds', 30)
const BATCHES = numberArgument('--batches', 10)
const BATCH_SIZE = 10_000

const { predictor } = await loadConfiguredModel({ modelDir: null, modelsRoot: DEFAULT_MODELS_ROOT, backend: 'wasm' })
await predictor.warmUp()
// Through JSON, as a request body reaches the route: plain objects of one shape.
const batches: Customer[][] = Array.from({ length: 4 }, (_, i) => JSON.parse(JSON.stringify(generateCustomers(BATCH_SIZE, 100 + i).customers)) as Customer[])
const window = new DriftWindow(10_000)
if (predictor.card.inputDistribution === undefined) throw new Error('the committed model has no inputDistribution: nothing to measure')

async function phase (withDrift: boolean): Promise<number> {
  const started = performance.now()
  for (let i = 0; i < BATCHES; i++) {
    const customers = batches[i % batches.length] as Customer[]
    const result = await scoreCustomers(predictor, customers)
    if (withDrift) window.observe(predictor, customers, result)
  }
  return (BATCHES * BATCH_SIZE) / ((performance.now() - started) / 1000)
}

// Warm-up of both paths (JIT), not counted.
for (let i = 0; i < 3; i++) { await phase(false); await phase(true) }

const ratios: number[] = []
const without: number[] = []
const withDrift: number[] = []
for (let round = 0; round < ROUNDS; round++) {
  // Even rounds measure without first, odd rounds with first.
  const before = round % 2 === 0 ? await phase(false) : undefined
  const on = await phase(true)
  const off = before ?? await phase(false)
  without.push(off)
  withDrift.push(on)
  ratios.push(on / off)
}

const observeMs: number[] = []
const probabilities = new Float64Array(BATCH_SIZE).fill(0.16)
for (let i = 0; i < 200; i++) {
  const customers = batches[i % batches.length] as Customer[]
  const started = performance.now()
  window.observe(predictor, customers, { modelVersion: predictor.version, probabilities })
  observeMs.push(performance.now() - started)
}

const median = (xs: readonly number[]): number => { const s = [...xs].sort((x, y) => x - y); return s[Math.floor(s.length / 2)] as number }
const fmt = (x: number): string => Math.round(x).toLocaleString('en-US')
console.log(`model ${predictor.version} (${predictor.executor}); ${ROUNDS} rounds x ${BATCHES} batches of ${fmt(BATCH_SIZE)} customers per phase`)
console.log(`customers/s without drift: median ${fmt(median(without))} (min ${fmt(Math.min(...without))}, max ${fmt(Math.max(...without))})`)
console.log(`customers/s with drift:    median ${fmt(median(withDrift))} (min ${fmt(Math.min(...withDrift))}, max ${fmt(Math.max(...withDrift))})`)
const sorted = [...ratios].sort((x, y) => x - y)
console.log(`with / without, same round: median ${median(ratios).toFixed(3)}, quartiles ${(sorted[Math.floor(ROUNDS / 4)] as number).toFixed(3)}-${(sorted[Math.floor((3 * ROUNDS) / 4)] as number).toFixed(3)}`)
console.log(`observe() alone, 10,000 customers: median ${median(observeMs).toFixed(2)} ms (min ${Math.min(...observeMs).toFixed(2)} ms)`)
// The same comparison for whole requests: POST /predict/batch with 10,000 customers through app.inject,
// an app with the drift window against one whose window ignores what it is shown.
class IgnoringWindow extends DriftWindow {
  override observe (): void {}
}
const config = loadConfig({ LOG_LEVEL: 'silent', MAX_EVENT_LOOP_DELAY_MS: '0' })
const versions = ModelVersions.fixed(predictor, DEFAULT_MODELS_ROOT)
const apps = { on: await buildApp(config, versions), off: await buildApp(config, versions, { driftWindow: new IgnoringWindow(10_000) }) }
const payloads = batches.map((customers) => JSON.stringify({ customers }))
const REQUESTS = Math.max(2, Math.round(BATCHES / 2))
async function requests (app: FastifyInstance): Promise<number> {
  const started = performance.now()
  for (let i = 0; i < REQUESTS; i++) {
    const response = await app.inject({ method: 'POST', url: '/predict/batch', headers: { 'content-type': 'application/json' }, payload: payloads[i % payloads.length] as string })
    if (response.statusCode !== 200) throw new Error(`batch answered ${response.statusCode}`)
  }
  return (REQUESTS * BATCH_SIZE) / ((performance.now() - started) / 1000)
}
for (let i = 0; i < 2; i++) { await requests(apps.off); await requests(apps.on) }
const requestRatios: number[] = []
for (let round = 0; round < ROUNDS; round++) {
  const first = round % 2 === 0 ? await requests(apps.off) : undefined
  const on = await requests(apps.on)
  const off = first ?? await requests(apps.off)
  requestRatios.push(on / off)
}
const sortedRequests = [...requestRatios].sort((x, y) => x - y)
console.log(`whole requests (POST /predict/batch, 10,000 customers, app.inject), with / without: median ${median(requestRatios).toFixed(3)}, quartiles ${(sortedRequests[Math.floor(ROUNDS / 4)] as number).toFixed(3)}-${(sortedRequests[Math.floor((3 * ROUNDS) / 4)] as number).toFixed(3)}`)
await Promise.all([apps.on.close(), apps.off.close()])
predictor.dispose()
