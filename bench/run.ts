// npm run bench [-- --quick]: starts the servers itself on loopback, drives them with autocannon,
// and prints one table plus bench/results/latest.json.
//   ceiling  = the same app, same body and validation, with a stub predictor answering a constant
//   model    = the real app on the committed model
import autocannon from 'autocannon'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv } from 'ajv'
import { DEFAULT_MODELS_ROOT } from '../src/artefact/models-root.js'
import { customerJsonSchema, type Customer } from '../src/domain/customer.js'
import { resolveCurrentDir } from '../src/artefact/artefact-store.js'
import { loadConfiguredModel } from '../src/model/model-loader.js'
import { roundProbability } from '../src/scoring/reported-probability.js'
import { generateCustomers } from '../test/helpers/synthetic.js'
import { batchAnswer } from '../src/http/batch-answer.js'
import { batchAnswerSerializer } from './answer-writer.js'
import { formatTable } from './results-table.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const quick = process.argv.includes('--quick')
const SECONDS = quick ? 2 : 5
const ROUNDS = quick ? 1 : 3
const BATCH_SIZES = [100, 1000, 10_000]

interface Served { child: ChildProcess, url: string }

async function serve (mode: 'model' | 'ceiling', port: number, logLevel = 'warn'): Promise<Served> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/serve.ts', mode, String(port), logLevel], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise<void>((resolve, reject) => {
    // Log lines (info level) share the pipe: the output is collected until the ready line, then dropped.
    let seen: string | null = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      if (seen === null) return
      seen += chunk.toString()
      if (seen.includes(`ready ${mode} ${port}\n`)) { seen = null; resolve() }
    })
    child.on('exit', (code) => reject(new Error(`${mode} server exited with ${String(code)}`)))
  })
  return { child, url: `http://127.0.0.1:${port}` }
}

/** A python3 with FastAPI, uvicorn and scikit-learn (Debian: python3-fastapi python3-uvicorn python3-sklearn), or null. */
function comparisonPython (): string | null {
  for (const python of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(python, ['-c', 'import fastapi, uvicorn, sklearn'], { stdio: 'ignore' }).status === 0) return python
  }
  return null
}

/** Polls `url`/health/ready every 10 ms until it answers 200; returns the ms since `started`. */
async function waitUntilReady (child: ChildProcess, url: string, started: number, limitMs: number): Promise<number> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server for ${url} exited with ${child.exitCode}`)
    try {
      if ((await fetch(`${url}/health/ready`)).status === 200) return performance.now() - started
    } catch { /* not listening yet */ }
    if (performance.now() - started > limitMs) throw new Error(`${url} not ready in ${limitMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** bench/fastapi_server.py on `port`, once it answers. */
async function serveFastApi (python: string, port: number): Promise<Served> {
  const child = spawn(python, ['bench/fastapi_server.py', String(port)], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] })
  const url = `http://127.0.0.1:${port}`
  await waitUntilReady(child, url, performance.now(), 60_000)
  return { child, url }
}

interface LoadResult { requestsPerSecond: number, p50Ms: number, p99Ms: number, tool: string }

const hasWrk = spawnSync('wrk', ['--version']).error === undefined

function wrkLatencyMs (text: string, percentile: string): number {
  const match = new RegExp(`^\\s*${percentile}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(text)
  if (match === null) return Number.NaN
  const value = Number(match[1])
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value
}

/** wrk (C, one thread) when installed: it outpaces autocannon, which tops out near this stack's ceiling. */
async function loadOnce (url: string, body: string, connections: number, seconds: number): Promise<LoadResult> {
  if (hasWrk) {
    const dir = await mkdtemp(join(tmpdir(), 'bench-'))
    const script = join(dir, 'post.lua')
    await writeFile(script, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = [==[${body}]==]\n`)
    // --timeout: wrk's 2 s default would count the comparison server's slow batches as errors.
    const run = spawnSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '30s', '--latency', '-s', script, url], { encoding: 'utf8', maxBuffer: 1 << 20 })
    await rm(dir, { recursive: true })
    const text = run.stdout
    if (/Non-2xx|Socket errors/.test(text)) throw new Error(`${url}: errors during the run\n${text}`)
    return { requestsPerSecond: Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1]), p50Ms: wrkLatencyMs(text, '50'), p99Ms: wrkLatencyMs(text, '99'), tool: 'wrk' }
  }
  const result = await autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections, duration: seconds })
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`)
  return { requestsPerSecond: result.requests.average, p50Ms: result.latency.p50, p99Ms: result.latency.p99, tool: 'autocannon' }
}

function median (values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] as number : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/**
 * This VM's throughput drifts by 2x within minutes, so the two servers (a reference - the ceiling,
 * the model at warn, FastAPI - and the one measured against it) run alternately, ROUNDS times after
 * a warm-up each, and the medians are compared.
 */
async function compare (referenceUrl: string, subjectUrl: string, body: string, connections: number): Promise<{ reference: LoadResult, subject: LoadResult }> {
  await loadOnce(referenceUrl, body, connections, 1)
  await loadOnce(subjectUrl, body, connections, 1)
  const runs: { reference: LoadResult[], subject: LoadResult[] } = { reference: [], subject: [] }
  for (let round = 0; round < ROUNDS; round++) {
    runs.reference.push(await loadOnce(referenceUrl, body, connections, SECONDS))
    runs.subject.push(await loadOnce(subjectUrl, body, connections, SECONDS))
  }
  const summary = (list: LoadResult[]): LoadResult => ({
    requestsPerSecond: median(list.map((r) => r.requestsPerSecond)),
    p50Ms: median(list.map((r) => r.p50Ms)),
    p99Ms: median(list.map((r) => r.p99Ms)),
    tool: list[0]?.tool ?? ''
  })
  return { reference: summary(runs.reference), subject: summary(runs.subject) }
}

/** Resident memory now (VmRSS) or its high-water mark (VmHWM) of a process, in MB. */
function rssMegabytes (pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): Promise<number> {
  return readFile(`/proc/${pid}/status`, 'utf8').then((text) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? 0) / 1024)
}

/**
 * The production entry (node dist/server.js): time from spawn to the first 200 from /health/ready,
 * then resident memory after one 10,000-customer batch.
 */
async function startupAndMemory (port: number, batchBody: string): Promise<{ startupMs: number, rssMbIdle: number, rssMbAfter10k: number, rssMbUnderLoad: number, rssMbPeak: number }> {
  const started = performance.now()
  const child = spawn(process.execPath, ['dist/server.js'], { cwd: ROOT, env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' }, stdio: 'ignore' })
  try {
    const startupMs = await waitUntilReady(child, `http://127.0.0.1:${port}`, started, 30_000)
    const rssMbIdle = await rssMegabytes(child.pid as number)
    const response = await fetch(`http://127.0.0.1:${port}/predict/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: batchBody })
    if (response.status !== 200) throw new Error(`10k batch answered ${response.status}`)
    await response.arrayBuffer()
    const rssMbAfter10k = await rssMegabytes(child.pid as number)
    // Then sustained load: 10,000-customer batches on 4 connections.
    await loadOnce(`http://127.0.0.1:${port}/predict/batch`, batchBody, 4, SECONDS)
    return { startupMs, rssMbIdle, rssMbAfter10k, rssMbUnderLoad: await rssMegabytes(child.pid as number), rssMbPeak: await rssMegabytes(child.pid as number, 'VmHWM') }
  } finally {
    child.kill('SIGTERM')
  }
}

function time<T> (fn: () => T, reps: number): { ms: number, value: T } {
  let value = fn()
  const started = performance.now()
  for (let i = 0; i < reps; i++) value = fn()
  return { ms: (performance.now() - started) / reps, value }
}

/** Where the time of one 10,000-customer batch goes, measured in this process. */
async function batchSplit (customers: Customer[]): Promise<Record<string, number>> {
  const { predictor } = await loadConfiguredModel({ modelDir: null, modelsRoot: DEFAULT_MODELS_ROOT, backend: 'wasm' })
  const body = JSON.stringify({ customers })
  const ajv = new Ajv({ allErrors: true, coerceTypes: false, strict: false })
  ajv.addSchema(customerJsonSchema())
  const validate = ajv.compile({ type: 'object', properties: { customers: { type: 'array', items: { $ref: 'Customer#' } } } })
  const reps = quick ? 5 : 20
  const parse = time(() => { const b = JSON.parse(body) as { customers: Customer[] }; validate(b); return b }, reps)
  const features = time(() => predictor.featureMatrix(parse.value.customers), reps)
  const inference = time(() => predictor.scoreMatrix(features.value, customers.length), reps)
  // As the batch route does: probabilities rounded for the answer, written by Fastify's serializer
  // compiled from the route's response schema.
  const serializeAnswer = await batchAnswerSerializer()
  const serialize = time(() => serializeAnswer(batchAnswer({
    modelVersion: predictor.version,
    threshold: predictor.threshold,
    predictions: Array.from(inference.value, (raw, i) => {
      const p = roundProbability(raw)
      return { customerId: customers[i]?.customerId, probability: p, willBuy: p >= predictor.threshold }
    }),
    targeting: undefined,
    warnedCustomers: 0
  })), reps)
  const explain = time(() => predictor.explain(customers, inference.value), quick ? 1 : 3)
  predictor.dispose()
  return { parseValidateMs: parse.ms, featuresMs: features.ms, inferenceMs: inference.ms, serializeMs: serialize.ms, explainMs: explain.ms, inProcessRowsPerSecond: customers.length / ((features.ms + inference.ms) / 1000) }
}

const round = (x: number, digits = 0): number => Math.round(x * 10 ** digits) / 10 ** digits

/**
 * The alternative the performance issue compares with, measured on this machine in this run: FastAPI +
 * scikit-learn, single /predict (50 connections) and 10,000-customer batches (4), alternating with the model.
 */
async function againstFastApi (modelUrl: string, singleBody: string, batchBody: string): Promise<Record<string, unknown>> {
  if (quick) return { skipped: 'not run with --quick' }
  const python = comparisonPython()
  if (python === null) return { skipped: 'needs python3 with fastapi, uvicorn and scikit-learn (Debian: python3-fastapi python3-uvicorn python3-sklearn)' }
  process.stderr.write(`FastAPI + scikit-learn (${python}) against the model: single and 10k batches, ${ROUNDS} x ${SECONDS} s each\n`)
  const fastapi = await serveFastApi(python, 3305)
  try {
    const { reference: fastSingle, subject: modelSingle } = await compare(`${fastapi.url}/predict`, `${modelUrl}/predict`, singleBody, 50)
    const { reference: fastBatch, subject: modelBatch } = await compare(`${fastapi.url}/predict/batch`, `${modelUrl}/predict/batch`, batchBody, 4)
    return {
      singleRequestsPerSecond: { fastapi: round(fastSingle.requestsPerSecond), model: round(modelSingle.requestsPerSecond) },
      singleSpeedup: round(modelSingle.requestsPerSecond / fastSingle.requestsPerSecond, 1),
      batch10kRowsPerSecond: { fastapi: round(fastBatch.requestsPerSecond * 10_000), model: round(modelBatch.requestsPerSecond * 10_000) },
      batch10kSpeedup: round(modelBatch.requestsPerSecond / fastBatch.requestsPerSecond, 1)
    }
  } finally {
    fastapi.child.kill('SIGTERM')
  }
}

async function main (): Promise<void> {
  const { customers } = generateCustomers(10_000, 11)
  const singleBody = JSON.stringify(customers[0])
  const ceiling = await serve('ceiling', 3301)
  const model = await serve('model', 3302)
  const results: Record<string, unknown> = { date: new Date().toISOString(), quick, secondsPerRun: SECONDS, rounds: ROUNDS, cpus: cpus().length, node: process.version }
  try {
    process.stderr.write(`single predictions: 50 connections, ${ROUNDS} x ${SECONDS} s per server\n`)
    const { reference: ceilingSingle, subject: modelSingle } = await compare(`${ceiling.url}/predict`, `${model.url}/predict`, singleBody, 50)
    results.loadGenerator = modelSingle.tool
    results.single = {
      ceilingRequestsPerSecond: round(ceilingSingle.requestsPerSecond),
      modelRequestsPerSecond: round(modelSingle.requestsPerSecond),
      ratio: round(modelSingle.requestsPerSecond / ceilingSingle.requestsPerSecond, 3),
      modelLatencyMs: { p50: modelSingle.p50Ms, p99: modelSingle.p99Ms },
      ceilingLatencyMs: { p50: ceilingSingle.p50Ms, p99: ceilingSingle.p99Ms }
    }
    // The servers above log at warn (nothing per request); production logs one line per request at info.
    process.stderr.write(`single predictions with request logging (LOG_LEVEL=info): ${ROUNDS} x ${SECONDS} s\n`)
    const logging = await serve('model', 3304, 'info')
    try {
      const { reference: warn, subject: info } = await compare(`${model.url}/predict`, `${logging.url}/predict`, singleBody, 50)
      results.singleWithRequestLogs = {
        warnRequestsPerSecond: round(warn.requestsPerSecond),
        infoRequestsPerSecond: round(info.requestsPerSecond),
        ratio: round(info.requestsPerSecond / warn.requestsPerSecond, 3)
      }
    } finally {
      logging.child.kill('SIGTERM')
    }
    const batches: Array<Record<string, number>> = []
    for (const size of BATCH_SIZES) {
      process.stderr.write(`batches of ${size}: 4 connections, ${ROUNDS} x ${SECONDS} s per server\n`)
      const body = JSON.stringify({ customers: customers.slice(0, size) })
      const { reference: c, subject: m } = await compare(`${ceiling.url}/predict/batch`, `${model.url}/predict/batch`, body, 4)
      batches.push({
        size,
        ceilingRowsPerSecond: round(c.requestsPerSecond * size),
        modelRowsPerSecond: round(m.requestsPerSecond * size),
        ratio: round(m.requestsPerSecond / c.requestsPerSecond, 3),
        modelP99Ms: m.p99Ms
      })
    }
    results.batches = batches
    results.modelRssMbAfterBatches = round(await rssMegabytes(model.child.pid as number), 1)
    results.fastapi = await againstFastApi(model.url, singleBody, JSON.stringify({ customers }))
  } finally {
    ceiling.child.kill('SIGTERM')
    model.child.kill('SIGTERM')
  }
  results.batchSplit10k = Object.fromEntries(Object.entries(await batchSplit(customers)).map(([k, v]) => [k, round(v, 2)]))
  const production = await startupAndMemory(3303, JSON.stringify({ customers }))
  results.startupToReadyMs = round(production.startupMs)
  results.productionRssMb = {
    idle: round(production.rssMbIdle, 1),
    after10kBatch: round(production.rssMbAfter10k, 1),
    afterSustained10kBatches: round(production.rssMbUnderLoad, 1),
    peak: round(production.rssMbPeak, 1)
  }
  const card = JSON.parse(await readFile(`${await resolveCurrentDir(DEFAULT_MODELS_ROOT)}/card.json`, 'utf8')) as { version: string, training: { seconds: number } }
  results.training = { modelVersion: card.version, seconds: round(card.training.seconds, 1) }

  await mkdir(`${ROOT}/bench/results`, { recursive: true })
  await writeFile(`${ROOT}/bench/results/latest.json`, JSON.stringify(results, null, 2) + '\n')
  process.stdout.write(formatTable(results) + '\nwritten: bench/results/latest.json\n')
}

await main()
