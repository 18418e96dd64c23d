// scripts/score.ts with Parquet and with many files, through main(argv, io) in this process: Parquet in
// and out (typed columns, nulls, row groups), the same probabilities as the CSV path, directories, --shard
// and the errors a user can make. Synthetic customers only (test/helpers/synthetic.ts).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parse as parseSync } from 'csv-parse/sync'
import { CUSTOMER_FIELDS } from '../src/domain/customer.js'
import type { Predictor } from '../src/model/predictor.js'
import { probabilityText } from '../src/scoring/reported-probability.js'
import { main } from '../scripts/score.js'
import { loadCommittedPredictor } from './helpers/app.js'
import { makeTempDir } from './helpers/artefact.js'
import { runMain, type CliRun } from './helpers/cli-io.js'
import { customerColumns, parquetBytes, parquetColumnTypes, readParquetRows, type ParquetLayout } from './helpers/parquet.js'
import { generateCustomers, toCsv, type SyntheticData } from './helpers/synthetic.js'

function runScore (args: readonly string[]): Promise<CliRun> {
  return runMain(main, args)
}

const API_NAMES = ['customerId', ...CUSTOMER_FIELDS.map((f) => f.name), 'target']
const KAGGLE_NAMES = ['ID', ...CUSTOMER_FIELDS.map((f) => f.kaggleColumn), 'Target']

let work: { dir: string, remove: () => Promise<void> }
let predictor: Predictor

before(async () => {
  work = await makeTempDir('score-parquet')
  predictor = await loadCommittedPredictor()
})

after(async () => {
  predictor?.dispose()
  await work?.remove()
})

function records (csv: string): string[][] {
  return parseSync(csv, { skip_empty_lines: true }) as string[][]
}

/** Writes `data` as Parquet in `layout` to the work directory (under `name`) and returns the path. */
async function writeParquet (name: string, data: SyntheticData, layout: ParquetLayout, rowGroupSize?: number): Promise<string> {
  const path = join(work.dir, name)
  await mkdir(join(path, '..'), { recursive: true })
  await writeFile(path, parquetBytes(customerColumns(data, layout), { rowGroupSize }))
  return path
}

/** The probability and willBuy cells of a scored CSV, as text, in row order. */
function scoreCells (csv: string): string[][] {
  return records(csv).slice(1).map((row) => row.slice(-2))
}

/**
 * `data` scored through the CSV path (API names, LF): the reference every other path must match. The
 * model's code path (and its last float digits) depends on the batch size, so a comparison uses the same
 * `flags` on both sides.
 */
async function csvReference (name: string, data: SyntheticData, flags: readonly string[] = []): Promise<string[][]> {
  const file = join(work.dir, `${name}.csv`)
  await writeFile(file, toCsv(data, 'api'))
  const run = await runScore(['--in', file, '--out', '-', '--quiet', ...flags])
  assert.equal(run.code, 0, run.stderr)
  return scoreCells(run.stdout)
}

/** Rows of a scored Parquet file with probability as the CSV writes it, willBuy as text. */
async function parquetScoreCells (path: string): Promise<string[][]> {
  return (await readParquetRows(await readFile(path))).map((row) => [probabilityText(row.probability as number), String(row.willBuy)])
}

describe('score CLI with Parquet and many files', { concurrency: true }, () => {
  test('score CLI - Parquet in (INT32/INT64/BOOLEAN/DOUBLE, null review scores, 3 row groups), CSV out - columns as read + scores, as the CSV path and Predictor.predict', async () => {
    const data = generateCustomers(70, 51)
    const reference = await csvReference('types-reference', data, ['--batch-size', '7'])
    const expected = await predictor.predict(data.customers)
    const layouts: Array<[string, ParquetLayout, readonly string[]]> = [
      ['kaggle-int32', { names: 'kaggle', integers: 'INT32', booleans: 'INT32' }, KAGGLE_NAMES],
      ['api-int64', { names: 'api', integers: 'INT64', booleans: 'BOOLEAN' }, API_NAMES]
    ]
    for (const [name, layout, header] of layouts) {
      const input = await writeParquet(`${name}.parquet`, data, layout, 30)
      const out = join(work.dir, `${name}-scored.csv`)
      const run = await runScore(['--in', input, '--out', out, '--batch-size', '7'])
      assert.equal(run.code, 0, run.stderr)
      assert.match(run.stderr, new RegExp(`^score: 70 rows scored, 0 skipped, .* -> .*${name}-scored\\.csv$`, 'm'))
      const [outputHeader, ...rows] = records(await readFile(out, 'utf8'))
      assert.deepEqual(outputHeader, [...header, 'probability', 'willBuy'])
      assert.deepEqual(rows.map((row) => row.slice(-2)), reference, `${name}: the CSV path's probability text and decisions`)
      rows.forEach((row, i) => {
        const customer = data.customers[i] as (typeof data.customers)[number]
        assert.equal(row[0], String(customer.customerId), 'an INT64 id is written as its digits')
        assert.equal(row[6], customer.reviewScore === null ? '' : String(customer.reviewScore), 'a null review score is an empty cell')
        assert.equal(row[5], layout.booleans === 'INT32' ? (customer.reviewed ? '1' : '0') : String(customer.reviewed), 'the review flag as stored')
        assert.ok(Math.abs(Number(row.at(-2)) - (expected[i] as number)) <= 1e-6, `${name} row ${i + 1}`)
      })
    }
  })

  test('score CLI - CSV in (API names, unknown column), Parquet out - fields typed, other columns as text, probability DOUBLE and willBuy BOOLEAN as the CSV output', async () => {
    const data = generateCustomers(45, 52)
    const reference = await csvReference('csv-to-parquet-reference', data)
    const csv = toCsv(data, 'api').split('\n').map((line, i) => line === '' ? line : `${line},${i === 0 ? 'segment' : `"s,${i}"`}`).join('\n')
    const file = join(work.dir, 'csv-to-parquet.csv')
    const out = join(work.dir, 'csv-to-parquet-scored.parquet')
    await writeFile(file, csv)
    const run = await runScore(['--in', file, '--out', out, '--quiet'])
    assert.equal(run.code, 0, run.stderr)
    const bytes = await readFile(out)
    const types = parquetColumnTypes(bytes)
    assert.deepEqual(Object.keys(types), [...API_NAMES, 'segment', 'probability', 'willBuy'])
    for (const field of CUSTOMER_FIELDS) {
      assert.equal(types[field.name], field.type === 'boolean' ? 'BOOLEAN' : field.type === 'integer' ? 'INT32' : 'DOUBLE', field.name)
    }
    assert.deepEqual([types.customerId, types.target, types.segment, types.probability, types.willBuy], ['BYTE_ARRAY/UTF8', 'BYTE_ARRAY/UTF8', 'BYTE_ARRAY/UTF8', 'DOUBLE', 'BOOLEAN'])
    const rows = await readParquetRows(bytes)
    assert.deepEqual(await parquetScoreCells(out), reference)
    rows.forEach((row, i) => {
      const customer = data.customers[i] as (typeof data.customers)[number]
      assert.equal(row.customerId, String(customer.customerId))
      assert.equal(row.reviewScore, customer.reviewScore ?? null)
      assert.equal(row.completion, customer.completion)
      assert.equal(row.segment, `s,${i + 1}`)
    })
  })

  test('score CLI - Parquet round trip (Parquet in and out) and every other path - the same probability text for the same customers, input columns kept with their types', async () => {
    const data = generateCustomers(60, 53)
    const reference = await csvReference('round-trip-reference', data)
    const input = await writeParquet('round-trip.parquet', data, { names: 'kaggle', integers: 'INT64', booleans: 'INT32' }, 25)
    const toParquet = join(work.dir, 'round-trip-scored.parquet')
    const csvToParquet = join(work.dir, 'round-trip-from-csv.parquet')
    const runs = await Promise.all([
      runScore(['--in', input, '--out', toParquet, '--quiet']),
      runScore(['--in', join(work.dir, 'round-trip-reference.csv'), '--out', csvToParquet, '--quiet']),
      runScore(['--in', input, '--out', '-', '--quiet'])
    ])
    for (const run of runs) assert.equal(run.code, 0, run.stderr)
    assert.deepEqual(await parquetScoreCells(toParquet), reference, 'Parquet -> Parquet')
    assert.deepEqual(await parquetScoreCells(csvToParquet), reference, 'CSV -> Parquet')
    assert.deepEqual(scoreCells((runs[2] as CliRun).stdout), reference, 'Parquet -> CSV on stdout')
    const bytes = await readFile(toParquet)
    const types = parquetColumnTypes(bytes)
    assert.equal(types.ID, 'INT64')
    assert.equal(types.Support_Request, 'INT64')
    assert.equal(types.Review, 'INT32')
    assert.equal(types.Completion, 'DOUBLE')
    const rows = await readParquetRows(bytes)
    assert.deepEqual(rows.map((r) => r.ID), data.customers.map((c) => BigInt(c.customerId as number)))
    assert.deepEqual(rows.map((r) => r['Review10/10']), data.customers.map((c) => c.reviewScore ?? null))
    assert.deepEqual(rows.map((r) => r.Target), data.labels)
  })

  test('score CLI - a directory of CSV and Parquet files - one output each, named after its input, other files left alone', async () => {
    const dir = join(work.dir, 'unload')
    await mkdir(dir, { recursive: true })
    await writeParquet('unload/part-0001.parquet', generateCustomers(20, 54), { names: 'api' })
    await writeParquet('unload/part-0000.snappy.parquet', generateCustomers(15, 55), { names: 'kaggle' })
    await writeFile(join(dir, 'extra.csv'), toCsv(generateCustomers(10, 56), 'kaggle'))
    await writeFile(join(dir, 'notes.txt'), 'not a customer file')
    await writeFile(join(dir, '_SUCCESS'), '')
    await writeFile(join(dir, '.part-0002.parquet.crc'), 'x')
    const out = join(work.dir, 'unload-scored')
    const [same, asCsv] = await Promise.all([
      runScore(['--in', dir, '--out', out]),
      runScore(['--in', dir, '--out', `${out}-csv`, '--out-format', 'csv', '--quiet'])
    ])
    assert.equal(same.code, 0, same.stderr)
    assert.equal(asCsv.code, 0, asCsv.stderr)
    assert.deepEqual((await readdir(out)).sort(), ['extra.csv', 'part-0000.snappy.parquet', 'part-0001.parquet'])
    assert.deepEqual((await readdir(`${out}-csv`)).sort(), ['extra.csv', 'part-0000.snappy.csv', 'part-0001.csv'])
    assert.match(same.stderr, /^score: 3 of 3 input files -> /m)
    assert.match(same.stderr, /part-0000\.snappy\.parquet: 15 rows scored, 0 skipped, .* -> .*part-0000\.snappy\.parquet$/m)
    assert.match(same.stderr, /^score: 3 files, 45 rows scored, 0 skipped, /m)
    assert.equal((await readParquetRows(await readFile(join(out, 'part-0001.parquet')))).length, 20)
    assert.equal(records(await readFile(join(`${out}-csv`, 'part-0000.snappy.csv'), 'utf8')).length, 16)
    // Files listed after --in (a shell glob) and --in given twice are the same kind of run.
    const listed = await runScore(['--in', join(dir, 'part-0001.parquet'), join(dir, 'extra.csv'), '--in', join(dir, 'part-0000.snappy.parquet'), '--out', `${out}-listed`, '--quiet'])
    assert.equal(listed.code, 0, listed.stderr)
    assert.deepEqual((await readdir(`${out}-listed`)).sort(), ['extra.csv', 'part-0000.snappy.parquet', 'part-0001.parquet'])
  })

  test('score CLI - --shard K/3 over 7 files - file i scored by shard i mod 3 only: no overlap, none missed; a shard with no file exits 0', async () => {
    const dir = join(work.dir, 'shards')
    await mkdir(dir, { recursive: true })
    const names: string[] = []
    for (let i = 0; i < 7; i++) {
      const name = `f${i}.${i % 2 === 0 ? 'parquet' : 'csv'}`
      names.push(name)
      if (i % 2 === 0) await writeParquet(`shards/${name}`, generateCustomers(5 + i, 60 + i), { names: 'api' })
      else await writeFile(join(dir, name), toCsv(generateCustomers(5 + i, 60 + i), 'api'))
    }
    const outputs = (k: number): string => join(work.dir, `shards-out-${k}`)
    const runs = await Promise.all([0, 1, 2].map(async (k) => await runScore(['--in', dir, '--out', outputs(k), '--shard', `${k}/3`])))
    const written: string[][] = []
    for (const [k, run] of runs.entries()) {
      assert.equal(run.code, 0, run.stderr)
      assert.match(run.stderr, new RegExp(`^score: ${k === 0 ? 3 : 2} of 7 input files \\(shard ${k}/3\\) -> `, 'm'))
      written.push((await readdir(outputs(k))).sort())
    }
    assert.deepEqual(written, [['f0.parquet', 'f3.csv', 'f6.parquet'], ['f1.csv', 'f4.parquet'], ['f2.parquet', 'f5.csv']])
    assert.deepEqual(written.flat().sort(), names.sort(), 'every file once')
    const idle = await runScore(['--in', dir, '--out', join(work.dir, 'shards-out-idle'), '--shard', '8/10'])
    assert.equal(idle.code, 0, idle.stderr)
    assert.equal(idle.stderr, 'score: shard 8/10 has none of the 7 input files\n')
    assert.equal(existsSync(join(work.dir, 'shards-out-idle')), false, 'nothing to write, nothing created')
  })

  test('score CLI - bad --shard, --in-format, stdin Parquet, several inputs without --out DIR - exit 2 with a message, no stack', async () => {
    const file = join(work.dir, 'flags.csv')
    await writeFile(file, toCsv(generateCustomers(3, 57), 'api'))
    const cases: Array<[string[], RegExp]> = [
      [['--in', file, '--out', work.dir, '--shard', '3/3'], /^score: --shard 3\/3: K must be below N \(K counts from 0, as JOB_COMPLETION_INDEX does\)\n/],
      [['--in', file, '--out', work.dir, '--shard', '/3'], /^score: --shard must be K\/N, .* got "\/3": is JOB_COMPLETION_INDEX set\?/],
      [['--in', file, '--out', work.dir, '--shard', '$(JOB_COMPLETION_INDEX)/3'], /got "\$\(JOB_COMPLETION_INDEX\)\/3": is JOB_COMPLETION_INDEX set\?/],
      [['--in', file, '--out', work.dir, '--shard', '1/0'], /^score: --shard 1\/0: N must be at least 1\n/],
      [['--in', file, '--out', work.dir, '--shard=-1/3'], /^score: --shard must be K\/N/],
      [['--in', file, '--in-format', 'orc'], /^score: --in-format must be csv or parquet, got "orc"\n/],
      [['--in', '-', '--in-format', 'parquet'], /^score: Parquet cannot be read from stdin/],
      [['--in', file, file, '--out', '-'], /^score: --out DIR is required with several inputs, a directory or --shard/],
      [['--in', file, '--shard', '0/2'], /^score: --out DIR is required/],
      [['--in', work.dir, file, '--out', '-'], /^score: --out DIR is required/]
    ]
    const runs = await Promise.all(cases.map(async ([args]) => await runScore(args)))
    runs.forEach((run, i) => {
      const [args, message] = cases[i] as [string[], RegExp]
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`)
      assert.match(run.stderr, message)
      assert.doesNotMatch(run.stderr, /\n\s+at /)
    })
  })

  test('score CLI - outputs that would overwrite an input or each other, a directory without customer files - exit 2 before the model loads, nothing written', async () => {
    const dir = join(work.dir, 'clash')
    const empty = join(work.dir, 'clash-empty')
    await mkdir(empty, { recursive: true })
    await writeParquet('clash/a.parquet', generateCustomers(4, 63), { names: 'api' })
    await writeFile(join(dir, 'a.csv'), toCsv(generateCustomers(4, 64), 'api'))
    await writeFile(join(empty, 'notes.txt'), 'no customers here')
    const [intoInputs, sameName, noFiles] = await Promise.all([
      runScore(['--in', dir, '--out', dir]),
      runScore(['--in', dir, '--out', join(work.dir, 'clash-out'), '--out-format', 'csv']),
      runScore(['--in', empty, '--out', join(work.dir, 'clash-empty-out')])
    ])
    assert.equal(intoInputs.stderr, `score: --out ${dir} would overwrite input ${join(dir, 'a.csv')}: write the scored files to another directory\n`)
    assert.equal(sameName.stderr, `score: inputs ${join(dir, 'a.csv')} and ${join(dir, 'a.parquet')} would both be written to ${join(work.dir, 'clash-out', 'a.csv')}: score them into different directories\n`)
    assert.equal(noFiles.stderr, `score: input directory ${empty} holds no .csv or .parquet files\n`)
    for (const run of [intoInputs, sameName, noFiles]) assert.equal(run.code, 2, run.stderr)
    assert.deepEqual((await readdir(dir)).sort(), ['a.csv', 'a.parquet'])
    assert.equal(existsSync(join(work.dir, 'clash-out')), false)
  })

  test('score CLI - bad Parquet values (out of range, text, null, a flag of 2) - exit 2 naming row, column and value as the CSV path does; --skip-invalid lists them', async () => {
    const data = generateCustomers(12, 58)
    const columns = customerColumns(data, { names: 'kaggle', booleans: 'INT32' })
    const column = (name: string): unknown[] => (columns.find((c) => c.name === name)?.data as unknown[])
    column('Completion')[2] = 1.5
    column('Review')[4] = 2
    column('Minutes_listened')[6] = null
    const priceIndex = columns.findIndex((c) => c.name === 'Price_overall')
    columns[priceIndex] = { name: 'Price_overall', type: 'STRING', data: data.customers.map((c, i) => (i === 8 ? 'n/a' : String(c.priceAvg))) }
    const file = join(work.dir, 'bad-values.parquet')
    await writeFile(file, parquetBytes(columns, { rowGroupSize: 5 }))
    const out = join(work.dir, 'bad-values-scored.csv')
    const [stop, skip] = await Promise.all([
      runScore(['--in', file, '--out', out]),
      runScore(['--in', file, '--out', '-', '--skip-invalid'])
    ])
    assert.equal(stop.code, 2, stop.stderr)
    assert.match(stop.stderr, /^score: row 3, column Completion: must be <= 1, got "1\.5"$/m)
    assert.doesNotMatch(stop.stderr, /\n\s+at /)
    assert.equal(existsSync(out), false, 'no output')
    assert.deepEqual((await readdir(work.dir)).filter((n) => n.includes('bad-values-scored')), [], 'no temporary file')
    assert.equal(skip.code, 0, skip.stderr)
    assert.match(skip.stderr, /score: 8 rows scored, 4 skipped/)
    const skipped = skip.stderr.split('\n').filter((line) => line.startsWith('  skipped '))
    assert.deepEqual(skipped, [
      '  skipped row 3, column Completion: must be <= 1, got "1.5"',
      '  skipped row 5, column Review: must be 0/1 or true/false, got "2"',
      '  skipped row 7, column Minutes_listened: is null',
      '  skipped row 9, column Price_overall: must be a number, got "n/a"'
    ])
    // The text column's good cells are read as the CSV codec reads them: the other rows scored as from CSV.
    const kept = data.customers.filter((_, i) => ![2, 4, 6, 8].includes(i))
    const expected = await predictor.predict(kept)
    assert.equal(scoreCells(skip.stdout).length, kept.length, 'every kept row scored')
    scoreCells(skip.stdout).forEach(([p], i) => { assert.ok(Math.abs(Number(p) - (expected[i] as number)) <= 1e-6, `row ${i}`) })
  })

  test('score CLI - a bad value in the second of several files - exit 2 naming the file; the first file\'s output kept, none for the second', async () => {
    const dir = join(work.dir, 'second-bad')
    await mkdir(dir, { recursive: true })
    await writeParquet('second-bad/a.parquet', generateCustomers(8, 59), { names: 'api' })
    const data = generateCustomers(8, 60)
    const columns = customerColumns(data, { names: 'api' })
    ;(columns.find((c) => c.name === 'completion')?.data as unknown[])[3] = -0.5
    await writeFile(join(dir, 'b.parquet'), parquetBytes(columns))
    const out = join(work.dir, 'second-bad-out')
    const run = await runScore(['--in', dir, '--out', out])
    assert.equal(run.code, 2, run.stderr)
    assert.ok(run.stderr.includes(`score: ${join(dir, 'b.parquet')}: row 4, column completion: must be >= 0, got "-0.5"\n(stopped there: the 1 file before it is scored in ${out})\n`), run.stderr)
    assert.deepEqual(await readdir(out), ['a.parquet'])
  })

  test('score CLI - not Parquet but named .parquet (CSV, empty, garbage between the magic bytes) - exit 2 saying so, no stack, no output', async () => {
    const csvNamed = join(work.dir, 'really-csv.parquet')
    const empty = join(work.dir, 'empty.parquet')
    const garbage = join(work.dir, 'garbage.parquet')
    await writeFile(csvNamed, toCsv(generateCustomers(5, 61), 'api'))
    await writeFile(empty, '')
    await writeFile(garbage, Buffer.concat([Buffer.from('PAR1'), Buffer.alloc(64, 7), Buffer.from([16, 0, 0, 0]), Buffer.from('PAR1')]))
    const outs = ['really-csv', 'empty', 'garbage'].map((name) => join(work.dir, `${name}-scored.csv`))
    const runs = await Promise.all([csvNamed, empty, garbage].map(async (file, i) => await runScore(['--in', file, '--out', outs[i] as string])))
    assert.equal((runs[0] as CliRun).stderr, 'score: not a Parquet file: it does not start and end with "PAR1"\n')
    assert.equal((runs[1] as CliRun).stderr, 'score: not a Parquet file: 0 bytes, fewer than any Parquet file has\n')
    assert.match((runs[2] as CliRun).stderr, /^score: not readable as Parquet: /)
    for (const [i, run] of runs.entries()) {
      assert.equal(run.code, 2, run.stderr)
      assert.doesNotMatch(run.stderr, /\n\s+at /)
      assert.equal(existsSync(outs[i] as string), false)
    }
    // The same CSV is read when the format is said.
    const asCsv = await runScore(['--in', csvNamed, '--in-format', 'csv', '--out', '-', '--quiet'])
    assert.equal(asCsv.code, 0, asCsv.stderr)
    assert.equal(records(asCsv.stdout).length, 6)
  })

  test('score CLI - --in-format parquet on a file without an extension, --out-format parquet on stdout, a scored Parquet file again - read, written, refused', async () => {
    const data = generateCustomers(9, 62)
    const reference = await csvReference('no-extension-reference', data)
    const bare = await writeParquet('file-000000000000', data, { names: 'api' })
    const out = join(work.dir, 'no-extension-scored')
    const [read, written] = await Promise.all([
      runScore(['--in', bare, '--in-format', 'parquet', '--out', '-', '--quiet']),
      runScore(['--in', bare, '--in-format', 'parquet', '--out', out, '--out-format', 'parquet', '--quiet'])
    ])
    assert.equal(read.code, 0, read.stderr)
    assert.deepEqual(scoreCells(read.stdout), reference)
    assert.equal(written.code, 0, written.stderr)
    assert.deepEqual(await parquetScoreCells(out), reference)
    const again = await runScore(['--in', out, '--in-format', 'parquet', '--out', '-'])
    assert.equal(again.code, 2)
    assert.match(again.stderr, /^score: header already has columns probability, willBuy: is this file scored already\?$/m)
  })
})
