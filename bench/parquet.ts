// node --import tsx bench/parquet.ts [--rows 1000000] [--rounds 3] [--dir /tmp/buy-again-bench-parquet]
// `npm run score` over the same synthetic customers (never real rows) written once as CSV and once as
// Parquet (Kaggle names; INT64 id, DOUBLE fields, BOOLEAN review flag, null review scores; row groups of
// 100,000 rows, as warehouse unloads hold), with the committed model: rows/s of the scoring (the CLI's own
// figure, model loading excluded) and the peak RSS of the process, each run in a fresh process
// (scripts/score.ts's main, in-process there) so one run's heap cannot flatter the next.
// Sides: CSV -> CSV, Parquet -> CSV, Parquet -> Parquet. This VM's speed drifts 2-5x within minutes, so
// the sides alternate within every round (order rotated each round) and the paired per-round ratios to
// CSV -> CSV are what to read.
//
// 2026-11-29, node 20, 2 vCPUs shared, `node --import tsx bench/parquet.ts --rows 1000000 --rounds 3`
// (CSV 42.7 MiB, Parquet 10.5 MiB). Medians of 3; paired per-round ratios to CSV -> CSV:
//   CSV -> CSV          60,551 rows/s (59,084-68,524), peak RSS 276 MiB (274-277)
//   Parquet -> CSV     113,024 rows/s (106,621-118,087), peak RSS 371 MiB (357-376)  ratios 1.80x speed, 1.35x RSS
//   Parquet -> Parquet  94,055 rows/s (74,936-101,256), peak RSS 429 MiB (420-446)   ratios 1.48x speed, 1.55x RSS
// With NODE_OPTIONS=--max-old-space-size=384 (as deploy/kubernetes/jobs/score-job.yaml sets it), 2 rounds:
// peak RSS 186, 238-239 and 255-256 MiB; ratios 1.64x and 1.26x speed, 1.28x and 1.37x RSS. Most of
// the default-heap RSS is garbage V8 has not collected yet: 1,000,000 and 2,000,000 rows peak alike.
import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ParquetWriter, fileWriter, schemaFromColumnData } from 'hyparquet-writer'
import { main } from '../scripts/score.js'
import { collectText } from '../test/helpers/cli-io.js'
import { customerColumns } from '../test/helpers/parquet.js'
import { generateCustomers, toCsv } from '../test/helpers/synthetic.js'
import { numberArgument, textArgument } from './arguments.js'
import { perSecond } from './human-numbers.js'

const ROWS = numberArgument('--rows', 1_000_000)
const ROUNDS = numberArgument('--rounds', 3)
const DIR = textArgument('--dir') ?? '/tmp/buy-again-bench-parquet'
/** Customers generated at once (the generator holds them as objects): one Parquet row group each. */
const CHUNK_ROWS = 100_000
const ROW_GROUP_ROWS = 100_000
const SCRIPT = fileURLToPath(import.meta.url)
const PROJECT = fileURLToPath(new URL('..', import.meta.url))

interface Side { readonly name: string, readonly input: string, readonly output: string }
interface Measured { readonly rowsPerSecond: number, readonly maxRssMiB: number }

/** The child's side of a run: one scoring through main(), then its figures as one JSON line on stdout. */
async function child (input: string, output: string): Promise<void> {
  const stderr = collectText()
  const code = await main(['--in', input, '--out', output], { stderr: stderr.stream }, { env: {} })
  const summary = /rows scored, .* ([\d.]+) s, (\d+) rows\/s/.exec(stderr.text())
  if (code !== 0 || summary === null) throw new Error(`score exited ${code}: ${stderr.text()}`)
  // resourceUsage().maxRSS is in KiB.
  process.stdout.write(JSON.stringify({ rowsPerSecond: Number(summary[2]), maxRssMiB: process.resourceUsage().maxRSS / 1024 }) + '\n')
}

async function runChild (side: Side): Promise<Measured> {
  return await new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', SCRIPT, '--child', side.input, side.output], { cwd: PROJECT, stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    proc.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
    proc.on('error', reject)
    proc.on('close', (code) => {
      if (code !== 0) reject(new Error(`${side.name}: child exited ${String(code)}`))
      else resolve(JSON.parse(out) as Measured)
    })
  })
}

/** The input files, written once chunk by chunk (the Parquet one row group at a time). */
async function writeInputs (csvPath: string, parquetPath: string): Promise<void> {
  const csv = createWriteStream(csvPath)
  let writer: ParquetWriter | null = null
  for (let written = 0, chunk = 0; written < ROWS; written += CHUNK_ROWS, chunk++) {
    const data = generateCustomers(Math.min(CHUNK_ROWS, ROWS - written), 1000 + chunk)
    // Ids continue across chunks: 1000 + row number.
    data.customers.forEach((c, i) => { c.customerId = 1000 + written + i })
    const text = toCsv(data, 'kaggle', '\n', false)
    const ok = csv.write(chunk === 0 ? text : text.slice(text.indexOf('\n') + 1))
    if (!ok) await new Promise<void>((resolve) => { csv.once('drain', () => { resolve() }) })
    const columnData = customerColumns(data, { names: 'kaggle', withLabels: false })
    writer ??= new ParquetWriter({ writer: fileWriter(parquetPath), schema: schemaFromColumnData({ columnData }) })
    await writer.write({ columnData: columnData.map(({ type: _type, ...c }) => c), rowGroupSize: ROW_GROUP_ROWS })
  }
  await writer?.finish()
  await new Promise<void>((resolve) => { csv.end(() => { resolve() }) })
}

const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] as number : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

async function benchmark (): Promise<void> {
  await mkdir(DIR, { recursive: true })
  const csvIn = join(DIR, 'customers.csv')
  const parquetIn = join(DIR, 'customers.parquet')
  const started = performance.now()
  await writeInputs(csvIn, parquetIn)
  const size = async (path: string): Promise<string> => `${((await stat(path)).size / 2 ** 20).toFixed(1)} MiB`
  console.log(`${ROWS} rows written in ${((performance.now() - started) / 1000).toFixed(1)} s: CSV ${await size(csvIn)}, Parquet ${await size(parquetIn)} (row groups of ${ROW_GROUP_ROWS})`)
  const sides: Side[] = [
    { name: 'CSV -> CSV', input: csvIn, output: join(DIR, 'scored-from-csv.csv') },
    { name: 'Parquet -> CSV', input: parquetIn, output: join(DIR, 'scored-from-parquet.csv') },
    { name: 'Parquet -> Parquet', input: parquetIn, output: join(DIR, 'scored-from-parquet.parquet') }
  ]
  const samples = sides.map((): Measured[] => [])
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < sides.length; k++) {
      const i = (round + k) % sides.length
      const measured = await runChild(sides[i] as Side)
      ;(samples[i] as Measured[]).push(measured)
      console.log(`  round ${round + 1}: ${(sides[i] as Side).name.padEnd(18)} ${perSecond(measured.rowsPerSecond)} rows/s, peak RSS ${measured.maxRssMiB.toFixed(0)} MiB`)
    }
  }
  const first = samples[0] as Measured[]
  for (const [i, side] of sides.entries()) {
    const xs = samples[i] as Measured[]
    const speed = xs.map((m) => m.rowsPerSecond)
    const rss = xs.map((m) => m.maxRssMiB)
    let line = `${side.name.padEnd(18)} rows/s median ${perSecond(median(speed))} (min ${perSecond(Math.min(...speed))}, max ${perSecond(Math.max(...speed))}), peak RSS median ${median(rss).toFixed(0)} MiB (max ${Math.max(...rss).toFixed(0)})`
    if (i > 0) {
      const speedRatio = median(xs.map((m, r) => m.rowsPerSecond / (first[r] as Measured).rowsPerSecond))
      const rssRatio = median(xs.map((m, r) => m.maxRssMiB / (first[r] as Measured).maxRssMiB))
      line += ` | / CSV -> CSV, paired medians: rows/s ${speedRatio.toFixed(2)}, peak RSS ${rssRatio.toFixed(2)}`
    }
    console.log(line)
  }
  if (!process.argv.includes('--keep')) await rm(DIR, { recursive: true, force: true })
}

const childAt = process.argv.indexOf('--child')
if (childAt >= 0) await child(process.argv[childAt + 1] as string, process.argv[childAt + 2] as string)
else await benchmark()
