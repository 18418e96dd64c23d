// node --import tsx bench/answer-writer.ts [--rounds 40] [--against <dir>]
// The 200 answer of POST /predict/batch for 10,000 customers: Fastify's serializer compiled from the
// route's response schema (what the route uses) against a hand-written writer (the one the route used
// until it measured no faster; kept below so the question can be asked again) and JSON.stringify, in
// this process; then whole requests through app.inject.
//   --against <dir>: a copy of src/ with another batch route (node_modules reachable from it); its app
//                    answers the same requests, interleaved with this tree's app.
// This VM's speed drifts 2-5x within minutes, so the sides alternate every round (order rotated each
// round) after a warm-up, and the paired per-round ratio is what to read.
//
// 2026-11-29, node 20.20.2, fastify 5.12.8, fast-json-stringify 7.3.10, 2 vCPUs shared (load 4-6),
// 3 runs of `--rounds 40 --against <copy of src/ with the hand writer in the route>`. Paired medians of
// hand writer / schema serializer, the 3 runs:
//   in-process   plain 0.97 1.00 1.01 (each ~3.3 ms at best), targeting 1.16 1.19 1.26 (hand slower;
//                schema ~8 ms at best), partial (index) 0.82 0.87 0.86 (hand ~0.5-1 ms faster).
//                JSON.stringify / schema serializer: 0.88-0.91 plain, 0.63-0.68 targeting, 0.72-0.75 partial.
//   whole POST /predict/batch (10,000 customers, app.inject, stub model, ~21-31 ms a request at best):
//                plain 1.01 1.04 0.97, targeting 1.02 0.99 1.02, partial 0.86 1.21 0.93; ratios of the
//                minimums 0.96-1.02 everywhere.
// No clear win for the hand writer (a loss with targeting), none visible to a client: the route uses
// Fastify's serializer.
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { isDeepStrictEqual } from 'node:util'
import Fastify, { type FastifyInstance } from 'fastify'
import type { ModelCard } from '../src/artefact/model-card.js'
import { createRandom } from '../src/domain/seeded-random.js'
import { batchAnswer, type BatchAnswer } from '../src/http/batch-answer.js'
import { batchResponses } from '../src/http/schemas/predict-schemas.js'
import type { ServingModel } from '../src/model/serving-model.js'
import { probabilityText, roundProbability } from '../src/scoring/reported-probability.js'
import type { ScoredCustomer } from '../src/scoring/score-customers.js'
import { generateCustomers } from '../test/helpers/synthetic.js'
import { textArgument } from './arguments.js'

const SIZE = 10_000
const THRESHOLD = 0.36876457929611206
const ROUNDS = Number(textArgument('--rounds') ?? 40)
const AGAINST = textArgument('--against')

/** The serializer Fastify compiles for the batch route's 200 answer: same schema, default compiler and options as the app. */
export async function batchAnswerSerializer (): Promise<(answer: BatchAnswer) => string> {
  const app = Fastify()
  let serializer: ((payload: { [key: string]: unknown }) => string) | undefined
  app.get('/', { schema: { response: { 200: batchResponses[200] } } }, async (_request, reply) => {
    serializer = reply.getSerializationFunction('200')
    return { modelVersion: '', threshold: 0, predictions: [] }
  })
  await app.inject('/')
  await app.close()
  if (serializer === undefined) throw new Error('no serializer compiled for the 200 answer')
  return serializer as unknown as (answer: BatchAnswer) => string
}

// The hand-written alternative (the route's writer until this benchmark; probabilities from an integer
// count of billionths by probabilityText).
const numberJson = (x: number): string => Number.isFinite(x) ? String(x) : 'null'

function writePrediction (p: ScoredCustomer): string {
  let out = '{"probability":' + probabilityText(p.probability) + ',"willBuy":' + (p.willBuy ? 'true' : 'false')
  if (p.index !== undefined) out += ',"index":' + numberJson(p.index)
  const id = p.customerId
  if (id !== undefined) out += ',"customerId":' + (typeof id === 'number' ? numberJson(id) : JSON.stringify(id))
  if (p.action !== undefined) out += ',"action":' + JSON.stringify(p.action)
  if (p.expectedProfit !== undefined) out += ',"expectedProfit":' + numberJson(p.expectedProfit)
  if (p.reasons !== undefined) out += ',"reasons":' + JSON.stringify(p.reasons)
  return out + '}'
}

function handWrittenAnswer (answer: BatchAnswer): string {
  let out = '{"modelVersion":' + JSON.stringify(answer.modelVersion) + ',"threshold":' + numberJson(answer.threshold) + ',"predictions":['
  const { predictions } = answer
  for (let i = 0; i < predictions.length; i++) {
    if (i > 0) out += ','
    out += writePrediction(predictions[i] as ScoredCustomer)
  }
  out += ']'
  if (answer.targeting !== undefined) out += ',"targeting":' + JSON.stringify(answer.targeting)
  out += ',"warnedCustomers":' + numberJson(answer.warnedCustomers)
  if (answer.errors !== undefined) out += ',"errors":' + JSON.stringify(answer.errors)
  return out + '}'
}

/** Model outputs as the predictor gives them: float32. */
const rawProbabilities = ((): Float32Array => {
  const random = createRandom(7)
  return Float32Array.from({ length: SIZE }, () => random())
})()

function answer (kind: 'plain' | 'targeting' | 'index'): BatchAnswer {
  const predictions = Array.from(rawProbabilities, (raw, i) => {
    const p = roundProbability(raw)
    const prediction: ScoredCustomer = { customerId: `c-${1000 + i}`, probability: p, willBuy: p >= THRESHOLD }
    if (kind === 'index') prediction.index = i
    if (kind === 'targeting') {
      prediction.action = p * 15 - 2 > 0 ? 'target' : 'skip'
      prediction.expectedProfit = p * 15 - 2
    }
    return prediction
  })
  const targeting = kind !== 'targeting'
    ? undefined
    : { customers: SIZE, expectedBuyers: 4988.5, targeted: 8700, expectedConversions: 4700.25, expectedProfit: 53103.75, expectedProfitTargetAll: 54827.5, contactCost: 2, conversionValue: 15, budget: null, rule: 'target when probability x conversionValue - contactCost > 0' }
  return batchAnswer({ modelVersion: 'v20261127-1a2b3c4d', threshold: THRESHOLD, predictions, targeting, warnedCustomers: 0 }, kind === 'index' ? [] : undefined)
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? s[mid] as number : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}
const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] as number
const fixed = (x: number, digits = 3): string => x.toFixed(digits)

interface Side { name: string, run: () => unknown | Promise<unknown> }

/** ROUNDS rounds of every side, order rotated each round; each sample is the mean of `calls` runs. */
async function alternate (sides: Side[], calls: number, warmUp: number): Promise<number[][]> {
  for (let i = 0; i < warmUp; i++) for (const side of sides) await side.run()
  const samples = sides.map(() => [] as number[])
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < sides.length; k++) {
      const s = (k + round) % sides.length
      const started = performance.now()
      for (let c = 0; c < calls; c++) await (sides[s] as Side).run()
      ;(samples[s] as number[]).push((performance.now() - started) / calls)
    }
  }
  return samples
}

/** One line per side (median, min, ms) and the paired ratio of each to the first side. */
function report (title: string, sides: Side[], samples: number[][]): void {
  process.stdout.write(`\n${title}\n`)
  const first = samples[0] as number[]
  for (const [i, side] of sides.entries()) {
    const xs = samples[i] as number[]
    let line = `  ${side.name.padEnd(34)} median ${fixed(median(xs))} ms  min ${fixed(Math.min(...xs))} ms  max ${fixed(Math.max(...xs))} ms`
    if (i > 0) {
      const ratios = xs.map((x, r) => x / (first[r] as number))
      line += `  | / ${(sides[0] as Side).name}: paired median ${fixed(median(ratios))} (p10 ${fixed(quantile(ratios, 0.1))}, p90 ${fixed(quantile(ratios, 0.9))}), of medians ${fixed(median(xs) / median(first))}, of mins ${fixed(Math.min(...xs) / Math.min(...first))}`
    }
    process.stdout.write(line + '\n')
  }
}

async function inProcess (): Promise<void> {
  const schemaSerializer = await batchAnswerSerializer()
  for (const kind of ['plain', 'targeting', 'index'] as const) {
    const a = answer(kind)
    const fromSchema = schemaSerializer(a)
    const fromWriter = handWrittenAnswer(a)
    // Different texts are fine (property order, 1e-9 vs 0.000000001); different JSON values are not.
    if (!isDeepStrictEqual(JSON.parse(fromSchema), JSON.parse(fromWriter))) throw new Error(`${kind}: the two writers disagree`)
    const sides: Side[] = [
      { name: 'fast-json-stringify (route schema)', run: () => schemaSerializer(a) },
      { name: 'hand-written writer', run: () => handWrittenAnswer(a) },
      { name: 'JSON.stringify', run: () => JSON.stringify(a) }
    ]
    report(`in-process, ${SIZE} predictions, ${kind} (${fromSchema.length} bytes), ${ROUNDS} rounds x 5 calls`, sides, await alternate(sides, 5, 30))
  }
}

/** A model answering the float32 values above: the request path without inference. */
function stubModel (): ServingModel {
  const card = { version: 'v20261127-1a2b3c4d', createdAt: '2026-11-27T00:00:00.000Z', threshold: THRESHOLD, baseRate: 0.16, features: [], metrics: {}, featureImportance: [] } as unknown as ModelCard
  return { version: card.version, threshold: THRESHOLD, card, predict: async (customers) => rawProbabilities.slice(0, customers.length) }
}

/** buildApp from a src/ directory (this tree's or --against's) with a stub model and silent logs. */
async function appFrom (srcDir: string): Promise<FastifyInstance> {
  const load = async <T>(file: string): Promise<T> => await import(pathToFileURL(resolve(srcDir, file)).href) as T
  const [{ buildApp }, { loadConfig }, { ModelVersions }] = await Promise.all([
    load<typeof import('../src/http/app.js')>('http/app.ts'),
    load<typeof import('../src/config.js')>('config.ts'),
    load<typeof import('../src/model/model-versions.js')>('model/model-versions.ts')
  ])
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', MAX_EVENT_LOOP_DELAY_MS: '0' }), ModelVersions.fixed(stubModel(), resolve(srcDir, '../models')))
  await app.ready()
  return app
}

async function endToEnd (): Promise<void> {
  const customers = generateCustomers(SIZE, 11).customers.map((c, i) => ({ ...c, customerId: `c-${1000 + i}` }))
  const payload = JSON.stringify({ customers })
  const apps: Array<{ name: string, app: FastifyInstance }> = [{ name: 'this tree', app: await appFrom(new URL('../src', import.meta.url).pathname) }]
  if (AGAINST !== undefined) apps.push({ name: `--against ${AGAINST}`, app: await appFrom(AGAINST) })
  const queries = { plain: '', targeting: '?contactCost=2&conversionValue=15', index: '?partial=true' }
  try {
    for (const [kind, query] of Object.entries(queries)) {
      const bodies = await Promise.all(apps.map(async ({ app }) => {
        const res = await app.inject({ method: 'POST', url: `/predict/batch${query}`, headers: { 'content-type': 'application/json' }, payload })
        if (res.statusCode !== 200) throw new Error(`${kind}: ${res.statusCode} ${res.body.slice(0, 300)}`)
        return res.body
      }))
      if (bodies.some((b) => !isDeepStrictEqual(JSON.parse(b), JSON.parse(bodies[0] as string)))) throw new Error(`${kind}: the apps answer different JSON values`)
      const sides: Side[] = apps.map(({ name, app }) => ({
        name,
        run: async () => await app.inject({ method: 'POST', url: `/predict/batch${query}`, headers: { 'content-type': 'application/json' }, payload })
      }))
      report(`POST /predict/batch${query} through app.inject, ${SIZE} customers, stub model, ${ROUNDS} rounds x 1 request`, sides, await alternate(sides, 1, 5))
    }
  } finally {
    for (const { app } of apps) await app.close()
  }
}

// Run as a script; bench/run.ts imports batchAnswerSerializer only.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.stdout.write(`node ${process.version}, ${new Date().toISOString()}\n`)
  await inProcess()
  await endToEnd()
}
