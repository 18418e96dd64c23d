// GET /metrics: Prometheus text with request, prediction and model metrics; labels from route templates only.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { after, before, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildTestApp, validCustomer } from './helpers/app.js'
import { committedStubModel } from './helpers/stub-model.js'

let app: FastifyInstance
const model = committedStubModel()

before(async () => {
  app = await buildTestApp(model)
})
after(async () => { await app.close() })

async function scrape (): Promise<string> {
  const response = await app.inject({ method: 'GET', url: '/metrics' })
  assert.equal(response.statusCode, 200)
  assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/)
  return response.body
}

function sample (text: string, line: RegExp): number {
  const match = text.split('\n').find((l) => line.test(l))
  return match === undefined ? 0 : Number(match.split(' ').pop())
}

test('GET /metrics - after scoring - predictions counted by decision at the model\'s threshold, batch sizes and probabilities observed', async () => {
  const buyer = validCustomer({ customerId: 'buyer' })
  const nonBuyer = validCustomer({ customerId: 'non-buyer', lastVisitDaysAfterPurchase: 300 })
  // At the model's own threshold (no ?threshold=): one of each, so a count that followed the caller's threshold would differ.
  const atModelThreshold = await app.inject({ method: 'POST', url: '/predict/batch', payload: { customers: [buyer, nonBuyer] } })
  assert.equal(atModelThreshold.statusCode, 200)
  assert.deepEqual(atModelThreshold.json().predictions.map((p: { willBuy: boolean }) => p.willBuy), [true, false], 'precondition: one buyer, one non-buyer')
  const beforeText = await scrape()
  const beforeCount = sample(beforeText, /^buy_again_prediction_probability_count /)
  // The callers' thresholds change their answers (none buys at 1, all at 0), not the counts.
  const single = await app.inject({ method: 'POST', url: '/predict?threshold=1', payload: buyer })
  assert.equal(single.statusCode, 200)
  assert.equal(single.json().willBuy, false)
  const batch = await app.inject({ method: 'POST', url: '/predict/batch?threshold=0', payload: { customers: [buyer, nonBuyer, nonBuyer] } })
  assert.equal(batch.statusCode, 200)
  assert.deepEqual(batch.json().predictions.map((p: { willBuy: boolean }) => p.willBuy), [true, true, true])
  const text = await scrape()
  assert.equal(sample(text, /^buy_again_prediction_probability_count /) - beforeCount, 4)
  // Counted by the version that scored them, at its threshold: the buyer twice, the non-buyer twice
  // (at the callers' thresholds it would be 3 and 1).
  const counter = (willBuy: boolean): RegExp => new RegExp(`^buy_again_predictions_total\\{will_buy="${String(willBuy)}",model_version="${model.version}"\\} `)
  assert.equal(sample(text, counter(true)) - sample(beforeText, counter(true)), 2)
  assert.equal(sample(text, counter(false)) - sample(beforeText, counter(false)), 2)
  assert.match(text, /^# HELP buy_again_predictions_total .*model's threshold/m)
  assert.equal(sample(text, /^buy_again_prediction_batch_size_bucket\{le="1"\} /) - sample(beforeText, /^buy_again_prediction_batch_size_bucket\{le="1"\} /), 1)
  assert.match(text, /^buy_again_model_info\{version="v[\w-]+"\} 1$/m)
  assert.match(text, /^process_resident_memory_bytes \d+/m)
  assert.match(text, /^http_request_duration_seconds_count\{method="POST",route="\/predict\/batch",status_code="200"\} \d+/m)
})

test('GET /metrics - every family - the service\'s own prefixed buy_again_, the rest standard (http_request_duration_seconds, process_*, nodejs_*)', async () => {
  const families = [...(await scrape()).matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] as string)
  for (const name of ['buy_again_predictions_total', 'buy_again_prediction_probability', 'buy_again_prediction_batch_size', 'buy_again_model_info',
    'buy_again_model_reloads_total', 'buy_again_http_refused_requests_total', 'buy_again_input_warnings_total', 'buy_again_drift_psi']) {
    assert.ok(families.includes(name), `exposes ${name}`)
  }
  const unprefixed = families.filter((name) => !/^(buy_again_|process_|nodejs_)/.test(name) && name !== 'http_request_duration_seconds')
  assert.deepEqual(unprefixed, [])
})

test('GET /metrics - a fresh app - parser refusals exposed at 0 for 400, 408 and 431 (counted on a real socket: test/timing/parser-refusal-metrics.test.ts)', async () => {
  const fresh = await buildTestApp(model)
  try {
    const text = (await fresh.inject({ method: 'GET', url: '/metrics' })).body
    const refusals = text.split('\n').filter((line) => line.startsWith('buy_again_http_refused_requests_total'))
    assert.deepEqual(refusals, ['400', '408', '431'].map((status) => `buy_again_http_refused_requests_total{status_code="${status}"} 0`))
  } finally {
    await fresh.close()
  }
})

test('GET /metrics - random unknown paths - one "unmatched" label, never the raw URL', async () => {
  for (let i = 0; i < 20; i++) await app.inject({ method: 'GET', url: `/no-such-${i}-${Math.random()}` })
  const text = await scrape()
  assert.doesNotMatch(text, /no-such-/)
  assert.match(text, /route="unmatched",status_code="404"/)
})

test('GET /metrics - output - passes promtool check metrics (when promtool is installed)', async (t) => {
  if (spawnSync('promtool', ['--version']).error !== undefined) {
    t.skip('promtool not installed (Debian package prometheus)')
    return
  }
  const check = spawnSync('promtool', ['check', 'metrics'], { input: await scrape(), encoding: 'utf8' })
  assert.equal(check.status, 0, check.stdout + check.stderr)
})
