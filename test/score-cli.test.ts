// scripts/score.ts through its exported main(argv, io), in this process, over CSV files, stdin and
// stdout: exit codes, messages, and probabilities checked against Predictor.predict on the same
// customers. One child process checks the direct run (`npm run score`) with the real stdin and stdout.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { PassThrough, Writable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { parse as parseSync } from 'csv-parse/sync'
import { CUSTOMER_FIELDS } from '../src/domain/customer.js'
import { parseCustomerCsv } from '../src/domain/customer-csv.js'
import { probabilityText } from '../src/scoring/reported-probability.js'
import type { Predictor } from '../src/model/predictor.js'
import { main, type ScoreOptions } from '../scripts/score.js'
import { loadCommittedPredictor } from './helpers/app.js'
import { makeTempDir } from './helpers/artefact.js'
import { runMain, type CliRun, type CliRunOptions } from './helpers/cli-io.js'
import { committedArtefactDir, copyArtefact, setCurrent } from './helpers/model-versions.js'
import { columnIndexOf, replaceCell } from './helpers/csv-edit.js'
import { runScript } from './helpers/run-script.js'
import { generateCustomers, toCsv } from './helpers/synthetic.js'

/** scripts/score.ts's main() with `stdin` on its standard input (empty unless given), in this process. */
function runScore (args: readonly string[], stdin: CliRunOptions['stdin'] = '', options: Omit<CliRunOptions, 'stdin'> = {}): Promise<CliRun> {
  return runMain(main, args, { ...options, stdin })
}

/** scripts/score.ts's main() run as if the environment were `env` (MODEL_DIR is read from it). */
function runScoreWithEnv (env: NonNullable<ScoreOptions['env']>, args: readonly string[]): Promise<CliRun> {
  return runMain(async (argv, io) => await main(argv, io, { env }), args)
}

const KAGGLE_HEADER = ['ID', ...CUSTOMER_FIELDS.map((f) => f.kaggleColumn), 'Target']

let work: { dir: string, remove: () => Promise<void> }
let predictor: Predictor

before(async () => {
  work = await makeTempDir('score-cli')
  predictor = await loadCommittedPredictor()
})

after(async () => {
  predictor?.dispose()
  await work?.remove()
})

/** Appends an unknown column; every third cell holds a comma and quotes, so it has to stay quoted. */
function withSegmentColumn (csv: string, eol: '\n' | '\r\n', hasHeader: boolean): string {
  return csv.split(eol).map((line, i) => {
    if (line === '') return line
    if (hasHeader && i === 0) return `${line},segment`
    return `${line},${i % 3 === 0 ? '"north, ""A"""' : `s${i}`}`
  }).join(eol)
}

function records (csv: string): string[][] {
  return parseSync(csv, { bom: true, skip_empty_lines: true }) as string[][]
}

/**
 * Checks a scored file against its input: header + probability + willBuy, every input cell as read,
 * same rows in the same order, probabilities of Predictor.predict, willBuy against `threshold`.
 */
async function assertScored (input: string, output: string, header: readonly string[], threshold: number): Promise<void> {
  const inputRecords = records(input)
  const inputRows = inputRecords[0]?.[0] === header[0] ? inputRecords.slice(1) : inputRecords
  const [outputHeader, ...outputRows] = records(output)
  assert.deepEqual(outputHeader, [...header, 'probability', 'willBuy'])
  assert.equal(outputRows.length, inputRows.length)
  const expected = await predictor.predict(parseCustomerCsv(input, { requireTarget: false, allowExtraColumns: true }).customers)
  outputRows.forEach((row, i) => {
    assert.deepEqual(row.slice(0, header.length), inputRows[i], `row ${i + 1} cells`)
    // The text the batch route gives the same customers, whatever batches the file was cut into.
    assert.equal(row[header.length], probabilityText(expected[i] as number), `row ${i + 1}`)
    const probability = Number(row[header.length])
    assert.equal(row[header.length + 1], String(probability >= threshold), `row ${i + 1} willBuy`)
  })
}

/** Names in the work directory that belong to output `name`, other than itself: temporary files. */
async function leftovers (name: string): Promise<string[]> {
  return (await readdir(work.dir)).filter((entry) => entry.includes(name) && entry !== name)
}

/** Whether one of the named files in the work directory is not empty. */
async function holdsData (names: readonly string[]): Promise<boolean> {
  const sizes = await Promise.all(names.map(async (name) => (await stat(join(work.dir, name)).catch(() => null))?.size ?? 0))
  return sizes.some((size) => size > 0)
}

// Each test uses its own file names and streams: they run side by side.
describe('score CLI', { concurrency: true }, () => {
  test('score CLI - --help - exits 0 and documents every flag', async () => {
    const run = await runScore(['--help'])
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /^Usage: npm run score -- --in FILE/)
    for (const flag of ['--in FILE', '--out FILE', '--model-dir DIR', '--model-version V', '--models-dir DIR', 'MODEL_DIR', '--threshold X', '--skip-invalid', '--batch-size N', '--quiet', '-h, --help']) {
      assert.ok(run.stdout.includes(flag), `help mentions ${flag}`)
    }
    assert.equal(run.stderr, '')
  })

  test('score CLI - bad flags and a missing file - exit 2 with a message, no stack trace', async () => {
    const missing = join(work.dir, 'nope.csv')
    const [noInput, threshold, batch, unknown, absent] = await Promise.all([
      runScore([]),
      runScore(['--in', '-', '--threshold', '1.5']),
      runScore(['--in', '-', '--batch-size', '0']),
      runScore(['--in', '-', '--epochs', '3']),
      runScore(['--in', missing])
    ])
    assert.match(noInput.stderr, /^score: --in FILE is required/)
    assert.match(threshold.stderr, /^score: --threshold has an invalid value "1.5"\n/)
    assert.match(batch.stderr, /^score: --batch-size has an invalid value "0"\n/)
    assert.match(unknown.stderr, /^score: Unknown option '--epochs'/)
    assert.equal(absent.stderr, `score: cannot read input file ${missing}: ENOENT\n`, 'a file problem is not a usage problem: no --help hint')
    for (const run of [noInput, threshold, batch, unknown, absent]) {
      assert.equal(run.code, 2, run.stderr)
      assert.doesNotMatch(run.stderr, /\n\s+at /)
      assert.equal(run.stdout, '')
    }
  })

  test('score CLI - Kaggle header, CRLF, unknown column, batches of 7 - input columns + probability + willBuy, as Predictor.predict', async () => {
    const input = withSegmentColumn(toCsv(generateCustomers(60, 31), 'kaggle', '\r\n'), '\r\n', true)
    const file = join(work.dir, 'kaggle.csv')
    const out = join(work.dir, 'kaggle-scored.csv')
    await writeFile(file, input)
    const run = await runScore(['--in', file, '--out', out, '--batch-size', '7'])
    assert.equal(run.code, 0, run.stderr)
    assert.equal(run.stdout, '')
    assert.match(run.stderr, /^score: 60 rows scored, 0 skipped, [\d.]+ s, \d+ rows\/s -> .*kaggle-scored\.csv$/m)
    const output = await readFile(out, 'utf8')
    await assertScored(input, output, [...KAGGLE_HEADER, 'segment'], predictor.threshold)
    assert.ok(output.includes(',"north, ""A""",'), 'a cell with a comma and quotes is quoted again')
    assert.ok(!output.includes('\r'), 'output lines end in LF')
    assert.deepEqual(await leftovers('kaggle-scored.csv'), [], 'no temporary file left')
  })

  test('score CLI - a last batch of one row, and --batch-size 1 - every cell the text of the same customers scored in one batch', async () => {
    const input = toCsv(generateCustomers(9, 34), 'api', '\n')
    const header = ['customerId', ...CUSTOMER_FIELDS.map((f) => f.name), 'target']
    for (const size of ['4', '1']) {
      const run = await runScore(['--in', '-', '--out', '-', '--batch-size', size, '--quiet'], input)
      assert.equal(run.code, 0, run.stderr)
      await assertScored(input, run.stdout, header, predictor.threshold)
    }
  })

  test('score CLI - --out naming the input file (the same path, another spelling, a symbolic link) - exit 2 before anything is written, the input intact', async () => {
    const input = toCsv(generateCustomers(5, 35), 'api', '\n')
    const file = join(work.dir, 'self.csv')
    await writeFile(file, input)
    await symlink(file, join(work.dir, 'self-link.csv'))
    for (const out of [file, join(work.dir, '..', basename(work.dir), 'self.csv'), join(work.dir, 'self-link.csv')]) {
      const run = await runScore(['--in', file, '--out', out])
      assert.equal(run.code, 2, out)
      assert.match(run.stderr, /--out .* is the input file .*self\.csv: write the scored file elsewhere/)
      assert.equal(await readFile(file, 'utf8'), input)
    }
  })

  test('score CLI - API header, LF, --threshold 0.2 - willBuy uses the given threshold', async () => {
    const input = toCsv(generateCustomers(40, 32), 'api', '\n')
    const file = join(work.dir, 'api.csv')
    const out = join(work.dir, 'api-scored.csv')
    await writeFile(file, input)
    const run = await runScore(['--in', file, '--out', out, '--threshold', '0.2', '--quiet'])
    assert.equal(run.code, 0, run.stderr)
    assert.equal(run.stderr, '', '--quiet prints nothing on success')
    const header = ['customerId', ...CUSTOMER_FIELDS.map((f) => f.name), 'target']
    await assertScored(input, await readFile(out, 'utf8'), header, 0.2)
  })

  test('score CLI - prices in cents and a non-reviewer with a score - scored, the API\'s warnings counted by field and code with an example', async () => {
    const header = 'customerId,bookLengthAvgMinutes,bookLengthTotalMinutes,priceAvg,priceTotal,reviewed,reviewScore,completion,minutesListened,supportRequests,lastVisitDaysAfterPurchase'
    const input = [header, 'a,1620,1620,950,950,true,9,0,0,0,10', 'b,1620,1620,9.5,9.5,true,9,0,0,0,10', 'c,1620,1620,1200,1200,false,2,0,0,0,10'].join('\n') + '\n'
    const run = await runScore(['--in', '-', '--out', '-'], input)
    assert.equal(run.code, 0, run.stderr)
    assert.equal(run.stdout.trim().split('\n').length, 4, 'every row scored')
    assert.match(run.stderr, /\n {2}2 rows scored with input warnings/)
    assert.match(run.stderr, /\n {2}2 rows priceAvg OUT_OF_RANGE, e\.g\. priceAvg 950 is outside the training range .* Are the prices in cents\?/)
    assert.match(run.stderr, /\n {2}1 row reviewScore INCONSISTENT, e\.g\. reviewed is false but reviewScore is 2/)
    const quiet = await runScore(['--in', '-', '--out', '-', '--quiet'], input)
    assert.equal(quiet.stderr, '')
  })

  test('score CLI - headerless CRLF on stdin, --out - - the Kaggle header first, then the scored rows on stdout', async () => {
    const input = toCsv(generateCustomers(45, 33), 'headerless', '\r\n')
    const run = await runScore(['--in', '-', '--out', '-'], input)
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stderr, /score: 45 rows scored, 0 skipped, .* -> stdout/)
    await assertScored(input, run.stdout, KAGGLE_HEADER, predictor.threshold)
  })

  test('score CLI - invalid row - exits 2 naming row, line and column, and leaves no output file', async () => {
  // Line 4 is data row 3; Completion 1.5 is out of range.
    const input = replaceCell(toCsv(generateCustomers(20, 34), 'kaggle', '\n'), 4, columnIndexOf('completion'), '1.5')
    const file = join(work.dir, 'bad.csv')
    const out = join(work.dir, 'bad-scored.csv')
    await writeFile(file, input)
    const run = await runScore(['--in', file, '--out', out])
    assert.equal(run.code, 2)
    assert.match(run.stderr, /^score: row 3 \(line 4\), column Completion: must be <= 1, got "1\.5"$/m)
    assert.doesNotMatch(run.stderr, /\n\s+at /)
    assert.deepEqual((await readdir(work.dir)).filter((name) => name.includes('bad-scored.csv')), [], 'neither the output nor a temporary file')
  })

  test('score CLI - --skip-invalid - skips the bad row, reports its row number, scores the rest in order', async () => {
    const clean = toCsv(generateCustomers(20, 34), 'kaggle', '\n')
    const input = replaceCell(clean, 4, columnIndexOf('completion'), '1.5')
    const run = await runScore(['--in', '-', '--skip-invalid'], input)
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stderr, /score: 19 rows scored, 1 skipped/)
    assert.match(run.stderr, /^ {2}skipped row 3 \(line 4\), column Completion: must be <= 1, got "1\.5"$/m)
    // The output is the clean file's scoring without its third row.
    const withoutRow3 = clean.split('\n').filter((_, i) => i !== 3).join('\n')
    await assertScored(withoutRow3, run.stdout, KAGGLE_HEADER, predictor.threshold)
  })

  test('score CLI - --model-dir without an artefact - exits 2 naming the directory, leaves no output file', async () => {
    const file = join(work.dir, 'no-model.csv')
    const out = join(work.dir, 'no-model-scored.csv')
    const modelDir = join(work.dir, 'no-such-model')
    await writeFile(file, toCsv(generateCustomers(5, 35), 'kaggle'))
    const run = await runScore(['--in', file, '--out', out, '--model-dir', modelDir])
    assert.equal(run.code, 2, run.stderr)
    assert.match(run.stderr, /^score: cannot load the model chosen by --model-dir: /)
    assert.ok(run.stderr.includes(modelDir), run.stderr)
    assert.doesNotMatch(run.stderr, /\n\s+at /)
    assert.equal(existsSync(out), false)
    assert.deepEqual(await leftovers('no-model-scored.csv'), [])
  })

  test('score CLI - choosing the model - --model-dir, then --model-version, then MODEL_DIR (trimmed), then CURRENT, as the log line says', async () => {
    const committed = await committedArtefactDir()
    const committedVersion = committed.split('/').at(-1) as string
    const root = join(work.dir, 'choice-root')
    await copyArtefact(committed, root, 'v-current')
    await copyArtefact(committed, root, 'v-flag')
    const envDir = await copyArtefact(committed, join(work.dir, 'choice-env'), 'v-env')
    const flagDir = await copyArtefact(committed, join(work.dir, 'choice-dir'), 'v-dir')
    await setCurrent(root, 'v-current')
    const file = join(work.dir, 'choice.csv')
    await writeFile(file, toCsv(generateCustomers(5, 39), 'kaggle'))
    const chosen = async (env: Record<string, string>, flags: string[]): Promise<string> => {
      const run = await runScoreWithEnv(env, ['--in', file, '--out', '-', ...flags])
      assert.equal(run.code, 0, run.stderr)
      const match = /^score: model (\S+) \((.*), chosen by (.*)\), threshold/m.exec(run.stderr)
      assert.ok(match !== null, run.stderr)
      return `${match[1]} by ${match[3]}`
    }
    const env = { MODEL_DIR: `  ${envDir} ` }
    const [byDir, byVersion, byEnv, byRoot, byDefault, blankEnv, versionInDefaultRoot] = await Promise.all([
      chosen(env, ['--model-dir', flagDir]),
      chosen(env, ['--models-dir', root, '--model-version', 'v-flag']),
      chosen(env, []),
      chosen(env, ['--models-dir', root]),
      chosen({}, []),
      chosen({ MODEL_DIR: '   ' }, []),
      chosen(env, ['--model-version', committedVersion])
    ])
    assert.equal(byDir, 'v-dir by --model-dir')
    assert.equal(byVersion, 'v-flag by --model-version')
    assert.equal(byEnv, 'v-env by MODEL_DIR')
    assert.equal(byRoot, `v-current by ${join(root, 'CURRENT')}`, 'naming a root chooses its CURRENT over MODEL_DIR')
    assert.equal(byDefault, `${committedVersion} by ${join(committed, '..', 'CURRENT')}`)
    assert.equal(blankEnv, byDefault, 'a blank MODEL_DIR is unset, as for the server')
    assert.equal(versionInDefaultRoot, `${committedVersion} by --model-version`)
  })

  test('score CLI - --model-version of a missing or mislabelled version, conflicting model flags - exit 2 with a message', async () => {
    const committed = await committedArtefactDir()
    const root = join(work.dir, 'version-root')
    const stale = await copyArtefact(committed, root, 'v-stale')
    await writeFile(join(stale, 'card.json'), JSON.stringify({ ...JSON.parse(await readFile(join(stale, 'card.json'), 'utf8')) as object, version: 'v-other' }))
    const file = join(work.dir, 'version.csv')
    await writeFile(file, toCsv(generateCustomers(3, 40), 'kaggle'))
    const [missing, mislabelled, dirAndVersion, dirAndRoot, badName] = await Promise.all([
      runScore(['--in', file, '--models-dir', root, '--model-version', 'v-none']),
      runScore(['--in', file, '--models-dir', root, '--model-version', 'v-stale']),
      runScore(['--in', file, '--model-dir', stale, '--model-version', 'v-stale']),
      runScore(['--in', file, '--model-dir', stale, '--models-dir', root]),
      runScore(['--in', file, '--model-version', '../models'])
    ])
    assert.equal(missing.stderr, `score: cannot load the model chosen by --model-version: ${join(root, 'v-none', 'card.json')}: file is missing\n`)
    assert.equal(mislabelled.stderr, `score: cannot load the model chosen by --model-version: ${join(stale, 'card.json')}: names version "v-other", but its directory is v-stale\n`)
    assert.match(dirAndVersion.stderr, /^score: --model-dir and --model-version both choose the model: give one\n/)
    assert.match(dirAndRoot.stderr, /^score: --model-dir and --models-dir both choose the model: give one\n/)
    assert.match(badName.stderr, /^score: --model-version may contain only /)
    for (const run of [missing, mislabelled, dirAndVersion, dirAndRoot, badName]) {
      assert.equal(run.code, 2, run.stderr)
      assert.equal(run.stdout, '')
    }
  })

  test('score CLI - the reader of stdout goes away (EPIPE) - exits 1 saying the output is incomplete, no stack', async () => {
    const closed = new Writable({
      write (_chunk, _encoding, callback) { callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })) }
    })
    const run = await runScore(['--in', '-', '--quiet'], toCsv(generateCustomers(10, 36), 'kaggle'), { stdout: closed })
    assert.equal(run.code, 1)
    assert.equal(run.stderr, 'score: the output was closed before every row was written (EPIPE)\n')
  })

  test('score CLI - interrupted while reading stdin into a file - exits 130 and leaves neither output nor temporary file', { timeout: 30_000 }, async () => {
    const stdin = new PassThrough()
    const out = join(work.dir, 'interrupted-scored.csv')
    const interruption = new AbortController()
    const running = runScore(['--in', '-', '--out', out, '--batch-size', '5'], stdin, { signal: interruption.signal })
    // Two batches, then the input stalls as a slow pipe would: wait until the temporary file holds scored rows.
    stdin.write(toCsv(generateCustomers(10, 37), 'kaggle'))
    while (!await holdsData(await leftovers('interrupted-scored.csv'))) await sleep(10)
    interruption.abort()
    const run = await running
    assert.equal(run.code, 130, run.stderr)
    assert.match(run.stderr, /^score: model /, 'stopped while scoring, after the model loaded')
    assert.match(run.stderr, /^score: interrupted; the partial output was removed$/m)
    assert.equal(existsSync(out), false)
    assert.deepEqual(await leftovers('interrupted-scored.csv'), [])
  })

  test('score CLI - run directly (node --import tsx scripts/score.ts), headerless CRLF on the real stdin, --out - - exits 0, scored rows on stdout', async () => {
    const input = toCsv(generateCustomers(25, 38), 'headerless', '\r\n')
    const run = await runScript('scripts/score.ts', ['--in', '-', '--out', '-'], { stdin: input })
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stderr, /score: 25 rows scored, 0 skipped, .* -> stdout/)
    await assertScored(input, run.stdout, KAGGLE_HEADER, predictor.threshold)
  })
})
