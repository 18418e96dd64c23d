// The examples users copy (examples/): the typed client calls every operation of a listening server,
// the Python and curl examples score examples/customers.csv, and the client's types match openapi.yaml.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { FastifyInstance } from 'fastify'
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript'
import * as client from '../examples/typescript/client.js'
import { CUSTOMER_FIELDS } from '../src/domain/customer.js'
import { EXAMPLE_PARQUET, exampleParquetBytes } from '../scripts/example-parquet.js'
import { main as score } from '../scripts/score.js'
import { runMain } from './helpers/cli-io.js'
import { makeTempDir } from './helpers/artefact.js'
import { buildTestApp } from './helpers/app.js'
import { committedStubModel } from './helpers/stub-model.js'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('..', import.meta.url))
const CSV_URL = new URL('../examples/customers.csv', import.meta.url)
const CSV_IDS = ['demo-1', 'demo-2', 'demo-3']

let app: FastifyInstance
let baseUrl: string
let api: client.BuyAgainClient

before(async () => {
  app = await buildTestApp(committedStubModel())
  app.readiness.markReady()
  await app.listen({ port: 0, host: '127.0.0.1' })
  baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  api = client.createBuyAgainClient(baseUrl)
})
after(async () => { await app.close() })

/** Whether `command --version` runs (the example is skipped when its tool is missing). */
async function hasCommand (command: string): Promise<boolean> {
  try {
    await run(command, ['--version'])
    return true
  } catch {
    return false
  }
}

const customers: client.Customer[] = [
  { customerId: 'a', bookLengthAvgMinutes: 1620, bookLengthTotalMinutes: 3240, priceAvg: 9.5, priceTotal: 19, reviewed: true, reviewScore: 9, completion: 0.45, minutesListened: 1458, supportRequests: 1, lastVisitDaysAfterPurchase: 45 },
  { customerId: 'b', bookLengthAvgMinutes: 2160, bookLengthTotalMinutes: 2160, priceAvg: 7.99, priceTotal: 7.99, reviewed: true, reviewScore: 6, completion: 0, minutesListened: 0, supportRequests: 0, lastVisitDaysAfterPurchase: 0 }
]

test('examples client - predictOne - a probability in [0, 1] and the customerId echoed', async () => {
  const answer = await client.predictOne(api, customers[0] as client.Customer, 0.5)
  assert.equal(answer.customerId, 'a')
  assert.ok(answer.probability >= 0 && answer.probability <= 1)
  assert.equal(answer.willBuy, answer.probability >= 0.5)
  assert.equal(answer.threshold, 0.5)
})

test('examples client - predictBatch JSON and CSV - the same probabilities for the same customers', async () => {
  const json = await client.predictBatch(api, customers, true)
  assert.deepEqual(json.predictions.map((p) => p.customerId), ['a', 'b'])
  assert.ok(json.predictions.every((p) => (p.reasons?.length ?? 0) > 0), 'explain=true adds reasons')
  const header = Object.keys(customers[0] as client.Customer).join(',')
  const rows = customers.map((c) => Object.values(c).join(','))
  const csv = await client.predictBatchCsv(api, [header, ...rows].join('\n') + '\n')
  assert.deepEqual(csv.predictions.map((p) => [p.customerId, p.probability]), json.predictions.map((p) => [p.customerId, p.probability]))
})

test('examples client - predictBatchCsv - examples/customers.csv scores its 3 customers', async () => {
  const answer = await client.predictBatchCsv(api, await readFile(CSV_URL, 'utf8'))
  assert.deepEqual(answer.predictions.map((p) => p.customerId), CSV_IDS)
})

test('examples client - a 4xx answer - an Error naming the status and the server code', async () => {
  await assert.rejects(client.predictOne(api, { ...customers[0] as client.Customer, completion: 2 }), /^Error: 400 .*VALIDATION/)
})

test('examples client - inferV2 - probability and willBuy tensors equal to the batch route', async () => {
  const answer = await client.inferV2(api, customers)
  assert.equal(answer.model_name, 'buy-again')
  const batch = await client.predictBatch(api, customers)
  assert.deepEqual(answer.outputs.find((o) => o.name === 'willBuy')?.data, batch.predictions.map((p) => p.willBuy))
  const probabilities = answer.outputs.find((o) => o.name === 'probability')?.data ?? []
  assert.equal(probabilities.length, 2)
  for (const [i, p] of batch.predictions.entries()) assert.ok(Math.abs(Number(probabilities[i]) - p.probability) < 1e-6)
})

test('examples client - inferV2 with reviewers and non-reviewers mixed - each customer as the batch route scores them (no score imputed for a reviewer)', async () => {
  const first = customers[0] as client.Customer
  const mixed: client.Customer[] = [
    { ...first, reviewed: true, reviewScore: 2 },
    { ...first, reviewed: false, reviewScore: null },
    { ...first, reviewed: true, reviewScore: 10 },
    { ...first, reviewed: false, reviewScore: null },
    { ...first, reviewed: true, reviewScore: 5 }
  ]
  const answer = await client.inferV2(api, mixed)
  const batch = await client.predictBatch(api, mixed)
  const probabilities = answer.outputs.find((o) => o.name === 'probability')?.data ?? []
  assert.equal(probabilities.length, mixed.length)
  for (const [i, p] of batch.predictions.entries()) assert.ok(Math.abs(Number(probabilities[i]) - p.probability) < 1e-6, `customer ${i}: ${String(probabilities[i])} vs ${p.probability}`)
  // The reviewers' scores reached the model: their probabilities differ from each other.
  assert.equal(new Set([0, 2, 4].map((i) => probabilities[i])).size, 3)
})

test('examples client - model card, report, versions, drift - the answers of each', async () => {
  const card = await client.getModelCard(api)
  assert.equal(typeof card.version, 'string')
  assert.match(await client.getModelReport(api), /<html/i)
  const versions = await client.listModelVersions(api)
  assert.ok(Array.isArray(versions.versions) && versions.versions.length > 0)
  const drift = await client.getModelDrift(api)
  assert.deepEqual(Object.keys(drift.features), CUSTOMER_FIELDS.map((f) => f.name), JSON.stringify(drift).slice(0, 200))
})

test('examples client - metrics and probes - Prometheus text, live and ready', async () => {
  assert.match(await client.getMetrics(api), /^# HELP buy_again_/m)
  assert.equal((await client.live(api)).status, 'ok')
  assert.equal((await client.ready(api)).status, 'ready')
})

test('examples/python/score.py - against the server - one, JSON batch and CSV batch printed', async (t) => {
  if (!await hasCommand('python3')) return t.skip('python3 is missing')
  const { stdout } = await run('python3', ['examples/python/score.py', baseUrl], { cwd: ROOT, env: { ...process.env, BASE_URL: '' } })
  const lines = stdout.trim().split('\n')
  assert.match(lines[0] ?? '', /^one: demo-1 probability 0\.\d{3} willBuy (True|False)$/)
  for (const kind of ['json batch', 'csv batch']) {
    const printed = lines.filter((l) => l.startsWith(`${kind}: `)).map((l) => l.split(' ')[2])
    assert.deepEqual(printed, CSV_IDS, kind)
  }
  // JSON and CSV bodies carry the same customers: the same probabilities.
  const probabilities = (kind: string): string[] => lines.filter((l) => l.startsWith(kind)).map((l) => l.split(' probability ')[1] ?? '')
  assert.deepEqual(probabilities('csv batch'), probabilities('json batch'))
  assert.match(lines.at(-1) ?? '', /^model \S+, threshold /)
})

test('examples/curl/score-csv.sh - against the server - a JSON answer with 3 predictions', async (t) => {
  if (!await hasCommand('curl')) return t.skip('curl is missing')
  const { stdout } = await run('bash', ['examples/curl/score-csv.sh', baseUrl], { cwd: ROOT })
  const answer = JSON.parse(stdout) as { predictions: Array<{ customerId: string, probability: number }> }
  assert.deepEqual(answer.predictions.map((p) => p.customerId), CSV_IDS)
  assert.ok(answer.predictions.every((p) => p.probability >= 0 && p.probability <= 1))
})

test('examples/customers.csv - the sample - 3 synthetic customers under the API field names', async () => {
  const [header, ...rows] = (await readFile(CSV_URL, 'utf8')).trim().split('\n')
  assert.match(header ?? '', /^customerId,bookLengthAvgMinutes,/)
  assert.equal(rows.length, 3)
})

test('examples/sql/customers-for-scoring.sql - its aliases - customerId and every customer field, in the field table\'s order', async () => {
  const sql = await readFile(new URL('../examples/sql/customers-for-scoring.sql', import.meta.url), 'utf8')
  const select = sql.split('\n').filter((line) => !line.trimStart().startsWith('--')).join('\n')
  const aliases = [...select.matchAll(/\bAS\s+([A-Za-z]+)\b/g)].map((m) => m[1]).filter((name) => name !== 'c')
  assert.deepEqual(aliases, ['customerId', ...CUSTOMER_FIELDS.map((f) => f.name)])
})

test('examples/customers.parquet - regenerated from customers.csv - the committed bytes, so the two samples cannot drift', async () => {
  const committed = await readFile(EXAMPLE_PARQUET)
  assert.ok(committed.equals(exampleParquetBytes()), 'examples/customers.parquet is stale: run node --import tsx scripts/example-parquet.ts')
})

test('examples/customers.parquet - scored with npm run score - the same output as customers.csv', async () => {
  const work = await makeTempDir('example-parquet')
  try {
    const outputs = ['parquet', 'csv'].map((kind) => `${work.dir}/from-${kind}.csv`)
    for (const [i, input] of [EXAMPLE_PARQUET, fileURLToPath(CSV_URL)].entries()) {
      const run = await runMain(score, ['--in', input, '--out', outputs[i] as string, '--quiet'])
      assert.equal(run.code, 0, run.stderr)
    }
    const [fromParquet, fromCsv] = await Promise.all(outputs.map(async (file) => await readFile(file, 'utf8')))
    assert.equal(fromParquet, fromCsv)
    assert.equal(fromCsv?.trim().split('\n').length, 4, 'a header and the 3 customers')
  } finally {
    await work.remove()
  }
})

test('committed examples/typescript/api-types.ts - compared with openapi.yaml - up to date', async () => {
  const committed = await readFile(new URL('../examples/typescript/api-types.ts', import.meta.url), 'utf8')
  const generated = COMMENT_HEADER + astToString(await openapiTS(new URL('../openapi.yaml', import.meta.url)))
  assert.ok(generated.includes('"/predict/batch"'), 'the generated types name the routes')
  if (committed === generated) return
  const a = committed.split('\n')
  const b = generated.split('\n')
  const line = a.findIndex((text, i) => text !== b[i])
  const at = line === -1 ? a.length : line
  assert.fail(`examples/typescript/api-types.ts is stale: run \`npm run client:types\` (first difference at line ${at + 1}: ` +
    `committed ${JSON.stringify(a[at] ?? '(end)')}, generated ${JSON.stringify(b[at] ?? '(end)')})`)
})
