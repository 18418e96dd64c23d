// npm run soak [-- --seconds N] [-- --interval S]: the production entry (node dist/server.js) under
// mixed load for N seconds (default 60), its resident memory (VmRSS) sampled every S seconds (default 5).
// Reports RSS before and after, the samples, a least-squares slope over the second half (MB/minute)
// and the count of 5xx answers (must be 0), and writes bench/results/soak.json. Not part of npm test.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { generateCustomers } from '../test/helpers/synthetic.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const SINGLE_LOOPS = 20
const BATCH_SIZES = [1000, 10_000]
const READY_TIMEOUT_MS = 30_000

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, interval: { type: 'string', default: '5' } } })
const SECONDS = Number(args.seconds)
const INTERVAL_SECONDS = Number(args.interval)
if (!(SECONDS > 0) || !(INTERVAL_SECONDS > 0)) {
  process.stderr.write('usage: soak.ts [--seconds N] [--interval S]\n')
  process.exit(2)
}

/** Newest modification time under a directory (ms). */
function newestMtime (dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs)
  }
  return newest
}

/** Builds dist/ when it is missing or older than src/, so the soak runs the code in the tree. */
function ensureBuilt (): void {
  const entry = join(ROOT, 'dist', 'server.js')
  if (existsSync(entry) && statSync(entry).mtimeMs >= newestMtime(join(ROOT, 'src'))) return
  process.stderr.write('building dist/ (npm run build)\n')
  const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' })
  if (build.status !== 0) throw new Error('npm run build failed')
}

async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

async function rssMegabytes (pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(text)?.[1] ?? Number.NaN) / 1024
}

/** Heap in use as the server reports it on /metrics (prom-client default metrics), MB; NaN when unavailable. */
async function heapUsedMegabytes (base: string): Promise<number> {
  try {
    const text = await (await fetch(`${base}/metrics`)).text()
    return Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1] ?? Number.NaN) / 1024 / 1024
  } catch {
    return Number.NaN
  }
}

async function waitUntilReady (base: string, child: ChildProcess): Promise<void> {
  const deadline = performance.now() + READY_TIMEOUT_MS
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before it was ready`)
    try {
      if ((await fetch(`${base}/health/ready`)).status === 200) return
    } catch { /* not listening yet */ }
    await sleep(50)
  }
  throw new Error(`server not ready in ${READY_TIMEOUT_MS} ms`)
}

interface Tally { requests: number, byStatus: Record<string, number>, networkErrors: number, unexpected: number, latenciesMs: number[] }

function newTally (): Tally {
  return { requests: 0, byStatus: {}, networkErrors: 0, unexpected: 0, latenciesMs: [] }
}

/** One request; counts its status and whether it was the status expected. Returns the status (0: network error). */
async function send (tally: Tally, url: string, init: RequestInit, expected: (status: number) => boolean): Promise<number> {
  const started = performance.now()
  let status = 0
  try {
    const response = await fetch(url, init)
    await response.arrayBuffer()
    status = response.status
    tally.requests++
    tally.byStatus[status] = (tally.byStatus[status] ?? 0) + 1
    if (!expected(status)) tally.unexpected++
  } catch {
    tally.networkErrors++
  }
  tally.latenciesMs.push(performance.now() - started)
  return status
}

function percentile (values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number
}

/** Least-squares slope of y over t (seconds), in y-units per minute; NaN with fewer than two points. */
function slopePerMinute (points: ReadonlyArray<{ t: number, y: number }>): number {
  if (points.length < 2) return Number.NaN
  const meanT = points.reduce((s, p) => s + p.t, 0) / points.length
  const meanY = points.reduce((s, p) => s + p.y, 0) / points.length
  let num = 0
  let den = 0
  for (const p of points) {
    num += (p.t - meanT) * (p.y - meanY)
    den += (p.t - meanT) ** 2
  }
  return den === 0 ? Number.NaN : (num / den) * 60
}

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits

interface Sample { seconds: number, rssMb: number, heapUsedMb: number }

async function main (): Promise<void> {
  ensureBuilt()
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const child = spawn(process.execPath, ['dist/server.js'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let serverOutput = ''
  child.stdout?.on('data', (chunk: Buffer) => { serverOutput += chunk.toString() })
  child.stderr?.on('data', (chunk: Buffer) => { serverOutput += chunk.toString() })
  const pid = child.pid as number
  try {
    await waitUntilReady(base, child)
    const rssBeforeMb = await rssMegabytes(pid)
    process.stderr.write(`server pid ${pid} ready on ${base}; RSS ${round(rssBeforeMb)} MB; ${SECONDS} s of load\n`)

    const { customers } = generateCustomers(10_000, 20261127)
    const singleBodies = customers.slice(0, 2000).map((c) => JSON.stringify(c))
    const batchBodies = BATCH_SIZES.map((size) => JSON.stringify({ customers: customers.slice(0, size) }))
    const json = { 'content-type': 'application/json' }
    const invalid: ReadonlyArray<[string, RequestInit]> = [
      ['/predict', { method: 'POST', headers: json, body: '{"completion": 0.5,' }],
      ['/predict', { method: 'POST', headers: json, body: JSON.stringify({ ...customers[0], completion: 7 }) }],
      ['/predict', { method: 'POST', headers: json, body: JSON.stringify({ ...customers[1], extra: true }) }],
      ['/predict', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' }],
      ['/predict/batch', { method: 'POST', headers: json, body: JSON.stringify({ customers: [customers[2], { ...customers[3], priceAvg: -1 }] }) }],
      ['/predict/batch', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'not,a,header\n1,2,3\n' }],
      ['/predict/batch', { method: 'POST', headers: json, body: JSON.stringify({ customers: [] }) }],
      ['/predictions', { method: 'GET' }]
    ]
    const oversized = JSON.stringify({ customers: customers.concat(customers[0] as (typeof customers)[number]) })

    const tallies = { single: newTally(), batch: newTally(), invalid: newTally() }
    const ok = (status: number): boolean => status === 200
    const clientError = (status: number): boolean => status >= 400 && status < 500
    const started = performance.now()
    const endsAt = started + SECONDS * 1000
    const running = (): boolean => performance.now() < endsAt

    const samples: Sample[] = [{ seconds: 0, rssMb: rssBeforeMb, heapUsedMb: await heapUsedMegabytes(base) }]
    const sampler = setInterval(() => {
      const seconds = (performance.now() - started) / 1000
      Promise.all([rssMegabytes(pid), heapUsedMegabytes(base)])
        .then(([rssMb, heapUsedMb]) => { samples.push({ seconds, rssMb, heapUsedMb }) })
        .catch(() => { /* the process is gone: reported as an exit below */ })
    }, INTERVAL_SECONDS * 1000)

    const singleLoop = async (offset: number): Promise<void> => {
      for (let i = offset; running(); i += SINGLE_LOOPS) {
        await send(tallies.single, `${base}/predict`, { method: 'POST', headers: json, body: singleBodies[i % singleBodies.length] as string }, ok)
      }
    }
    let batchCustomersScored = 0
    const batchLoop = async (): Promise<void> => {
      for (let i = 0; running(); i++) {
        const k = i % BATCH_SIZES.length
        const status = await send(tallies.batch, `${base}/predict/batch`, { method: 'POST', headers: json, body: batchBodies[k] as string }, ok)
        if (status === 200) batchCustomersScored += BATCH_SIZES[k] as number
      }
    }
    const invalidLoop = async (): Promise<void> => {
      for (let i = 0; running(); i++) {
        if (i % 25 === 24) {
          await send(tallies.invalid, `${base}/predict/batch`, { method: 'POST', headers: json, body: oversized }, (s) => s === 413)
        } else {
          const [path, init] = invalid[i % invalid.length] as [string, RequestInit]
          await send(tallies.invalid, `${base}${path}`, init, clientError)
        }
        await sleep(20)
      }
    }
    await Promise.all([...Array.from({ length: SINGLE_LOOPS }, (_, k) => singleLoop(k)), batchLoop(), invalidLoop()])
    clearInterval(sampler)
    const rssAfterMb = await rssMegabytes(pid)
    samples.push({ seconds: (performance.now() - started) / 1000, rssMb: rssAfterMb, heapUsedMb: await heapUsedMegabytes(base) })
    const elapsedSeconds = (performance.now() - started) / 1000

    const secondHalf = samples.filter((s) => s.seconds >= elapsedSeconds / 2)
    const rssSlope = slopePerMinute(secondHalf.map((s) => ({ t: s.seconds, y: s.rssMb })))
    const heapSlope = slopePerMinute(secondHalf.filter((s) => Number.isFinite(s.heapUsedMb)).map((s) => ({ t: s.seconds, y: s.heapUsedMb })))
    const all = Object.values(tallies)
    const count5xx = all.reduce((n, t) => n + Object.entries(t.byStatus).filter(([s]) => Number(s) >= 500).reduce((m, [, c]) => m + c, 0), 0)
    const networkErrors = all.reduce((n, t) => n + t.networkErrors, 0)
    const unexpected = all.reduce((n, t) => n + t.unexpected, 0)
    const describe = (t: Tally): Record<string, unknown> => ({
      requests: t.requests,
      perSecond: round(t.requests / elapsedSeconds),
      byStatus: t.byStatus,
      networkErrors: t.networkErrors,
      unexpectedStatus: t.unexpected,
      latencyMs: { p50: round(percentile(t.latenciesMs, 50)), p99: round(percentile(t.latenciesMs, 99)), max: round(percentile(t.latenciesMs, 100)) }
    })
    const results = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      seconds: round(elapsedSeconds),
      intervalSeconds: INTERVAL_SECONDS,
      load: { singleLoops: SINGLE_LOOPS, batchSizes: BATCH_SIZES, invalidLoop: 'one loop, 20 ms apart; every 25th a 10,001-customer batch (413)' },
      rssMb: { before: round(rssBeforeMb), after: round(rssAfterMb), max: round(Math.max(...samples.map((s) => s.rssMb))) },
      rssSlopeMbPerMinuteSecondHalf: round(rssSlope, 2),
      heapUsedSlopeMbPerMinuteSecondHalf: round(heapSlope, 2),
      samples: samples.map((s) => ({ seconds: round(s.seconds), rssMb: round(s.rssMb), heapUsedMb: round(s.heapUsedMb) })),
      requests: { single: describe(tallies.single), batch: describe(tallies.batch), invalid: describe(tallies.invalid) },
      customersScored: (tallies.single.byStatus[200] ?? 0) + batchCustomersScored,
      count5xx,
      networkErrors,
      unexpectedStatus: unexpected,
      serverOutput: serverOutput.split('\n').filter((l) => l.trim() !== '').slice(-20)
    }
    await mkdir(join(ROOT, 'bench', 'results'), { recursive: true })
    await writeFile(join(ROOT, 'bench', 'results', 'soak.json'), JSON.stringify(results, null, 2) + '\n')

    const lines = [
      `soak: ${results.seconds} s, node ${process.version}, ${cpus().length} CPUs`,
      `RSS before ${results.rssMb.before} MB, after ${results.rssMb.after} MB, max ${results.rssMb.max} MB`,
      `RSS slope over the second half: ${results.rssSlopeMbPerMinuteSecondHalf} MB/min (heap used: ${results.heapUsedSlopeMbPerMinuteSecondHalf} MB/min)`,
      'samples (s: RSS MB / heap used MB): ' + results.samples.map((s) => `${s.seconds}: ${s.rssMb} / ${s.heapUsedMb}`).join(', '),
      ...Object.entries(results.requests).map(([kind, r]) => `${kind}: ${JSON.stringify(r)}`),
      `5xx answers: ${count5xx}; network errors: ${networkErrors}; unexpected statuses: ${unexpected}`,
      'written: bench/results/soak.json'
    ]
    process.stdout.write(lines.join('\n') + '\n')
    if (count5xx > 0 || networkErrors > 0 || unexpected > 0) process.exitCode = 1
  } finally {
    child.kill('SIGTERM')
    await new Promise((resolve) => { if (child.exitCode !== null) resolve(null); else child.once('exit', resolve) })
  }
}

await main()
