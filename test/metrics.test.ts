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

test('GET /metrics - after scoring - predictions counted by decision, batch sizes and probabilities observed', async () => {
  const beforeText = await scrape()
  const beforeCount = sample(beforeText, /^prediction_probability_count /)
  const single = await app.inject({ method: 'POST', url: '/predict?threshold=0', payload: validCustomer() })
  assert.equal(single.statusCode, 200)
  const batch = await app.inject({ method: 'POST', url: '/predict/batch?threshold=1', payload: { customers: [validCustomer(), validCustomer(), validCustomer()] } })
  assert.equal(batch.statusCode, 200)
  const text = await scrape()
  assert.equal(sample(text, /^prediction_probability_count /) - beforeCount, 4)
  // threshold=0 makes the single one a buyer; threshold=1 makes the three non-buyers (probabilities are < 1).
  // Counted by the version that scored them.
  const counter = (willBuy: boolean): RegExp => new RegExp(`^predictions_total\\{will_buy="${String(willBuy)}",model_version="${model.version}"\\} `)
  assert.equal(sample(text, counter(true)) - sample(beforeText, counter(true)), 1)
  assert.equal(sample(text, counter(false)) - sample(beforeText, counter(false)), 3)
  assert.equal(sample(text, /^prediction_batch_size_bucket\{le="1"\} /) - sample(beforeText, /^prediction_batch_size_bucket\{le="1"\} /), 1)
  assert.match(text, /^model_info\{version="v[\w-]+"\} 1$/m)
  assert.match(text, /^process_resident_memory_bytes \d+/m)
  assert.match(text, /^http_request_duration_seconds_count\{method="POST",route="\/predict\/batch",status_code="200"\} \d+/m)
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
