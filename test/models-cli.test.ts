// scripts/models.ts through its exported main(argv, io), in this process, over temporary models roots
// holding real artefacts (the committed one copied under other names, a weak one trained on synthetic
// customers): list, promote with and without the --data comparison, refusals, rollback, diff. Also the
// catalog and history modules it stands on. One child process checks the direct run's exit code.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { readFile, truncate, utimes, writeFile, mkdir, stat } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { CARD_FILE } from '../src/artefact/artefact-store.js'
import { CATALOG_CARD_FILE, CardReadError, listVersions, readCard, readCurrentVersion } from '../src/artefact/model-catalog.js'
import { CURRENT_FILE } from '../src/artefact/models-root.js'
import { HISTORY_FILE, PROMOTION_LOCK_FILE, PromotionLockedError, ROLLBACK_REASON, STALE_LOCK_MS, readHistory, recordPromotion, rollbackTarget, withPromotionLock, type Promotion } from '../src/artefact/promotion-history.js'
import type { ModelCard } from '../src/artefact/model-card.js'
import { loadVerifiedModel } from '../src/model/model-loader.js'
import { main } from '../scripts/models.js'
import { makeTempDir } from './helpers/artefact.js'
import { runMain, type CliRun } from './helpers/cli-io.js'
import { committedArtefactDir, copyArtefact, labelledBy, setCurrent, writeWeakArtefact } from './helpers/model-versions.js'
import { runScript } from './helpers/run-script.js'
import { generateCustomers, toCsv } from './helpers/synthetic.js'

function runModels (args: readonly string[]): Promise<CliRun> {
  return runMain(main, args)
}

let work: { dir: string, remove: () => Promise<void> }
let committed: string
let weakSource: string
/** Synthetic customers labelled by the committed model's own probabilities: it is calibrated on them. */
let labelledCsv: string
let rootCount = 0

before(async () => {
  work = await makeTempDir('models-cli')
  committed = await committedArtefactDir()
  weakSource = await writeWeakArtefact(join(work.dir, 'sources'), 'weak-source')
  const model = await loadVerifiedModel(committed)
  try {
    const { customers } = generateCustomers(1000, 51)
    labelledCsv = join(work.dir, 'labelled.csv')
    await writeFile(labelledCsv, toCsv(labelledBy(customers, await model.predict(customers), 52), 'kaggle'))
  } finally {
    model.dispose()
  }
})

after(async () => {
  await work?.remove()
})

/**
 * A fresh models root: "va" (current, created first) and "vb" (later), copies of the committed model,
 * and "weak", the weak model. No HISTORY, as a root made by hand would be.
 */
async function makeRoot (): Promise<string> {
  const root = join(work.dir, `root-${++rootCount}`)
  await copyArtefact(committed, root, 'va', '2026-01-01T00:00:00.000Z')
  await copyArtefact(committed, root, 'vb', '2026-02-01T00:00:00.000Z')
  await copyArtefact(weakSource, root, 'weak', '2026-03-01T00:00:00.000Z')
  await setCurrent(root, 'va')
  return root
}

async function current (root: string): Promise<string> {
  return (await readFile(join(root, CURRENT_FILE), 'utf8')).trim()
}

/** HISTORY's text, or null when there is none. */
async function historyText (root: string): Promise<string | null> {
  return await readFile(join(root, HISTORY_FILE), 'utf8').catch(() => null)
}

async function readCardOf (dir: string): Promise<ModelCard> {
  return JSON.parse(await readFile(join(dir, CARD_FILE), 'utf8')) as ModelCard
}

function assertNoStack (run: CliRun): void {
  assert.doesNotMatch(run.stderr, /\n\s+at /)
}

describe('models CLI - usage', () => {
  test('models CLI - --help - exits 0 and documents every command and flag', async () => {
    const run = await runModels(['--help'])
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /^Usage: npm run models -- <command>/)
    for (const text of ['list', 'promote <version>', 'rollback', 'diff <a> <b>', '--data FILE', '--tolerance X', '--force', '--reason TEXT', '--models-dir DIR', 'Exit codes']) {
      assert.ok(run.stdout.includes(text), `help mentions ${text}`)
    }
    assert.equal(run.stderr, '')
  })

  test('models CLI - bad usage - exits 2 with a message and a pointer to --help, no stack', async () => {
    const root = await makeRoot()
    const cases: Array<[string[], RegExp]> = [
      [[], /a command is required/],
      [['deploy'], /unknown command "deploy"/],
      [['promote', '--models-dir', root], /promote takes <version>, got none/],
      [['diff', 'va', '--models-dir', root], /diff takes <a> <b>, got va/],
      [['promote', '../va', '--models-dir', root], /"\.\.\/va" is not a version name/],
      [['list', '--data', labelledCsv, '--models-dir', root], /--data applies to promote only/],
      [['promote', 'vb', '--force', '--models-dir', root], /--force overrides the --data comparison/],
      [['promote', 'vb', '--tolerance', '0.1', '--models-dir', root], /--tolerance applies with --data only/],
      [['promote', 'vb', '--data', labelledCsv, '--tolerance=-1', '--models-dir', root], /--tolerance has an invalid value "-1"/],
      [['list', '--verbose'], /Unknown option '--verbose'/]
    ]
    for (const [args, message] of cases) {
      const run = await runModels(args)
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`)
      assert.match(run.stderr, message)
      assert.match(run.stderr, /Run with --help for usage\.\n$/)
      assertNoStack(run)
    }
    assert.equal(await current(root), 'va')
    assert.equal(await historyText(root), null)
  })

  test('models CLI - a models root that does not exist - exits 2 naming it', async () => {
    const missing = join(work.dir, 'no-such-root')
    const run = await runModels(['list', '--models-dir', missing])
    assert.equal(run.code, 2)
    assert.equal(run.stderr, `models: cannot read the models root ${missing}: ENOENT\n`)
  })

  test('models CLI - run directly (node --import tsx scripts/models.ts) - main\'s exit code is the process\'s', async () => {
    const run = await runScript('scripts/models.ts', ['deploy'])
    assert.equal(run.code, 2, run.stderr)
    assert.equal(run.stderr, 'models: unknown command "deploy": list, promote, rollback, diff\nRun with --help for usage.\n')
  })
})

describe('models CLI - list and diff', () => {
  test('models CLI - list - one row per version, oldest first, card figures, * on the current one; folders without a card left out', async () => {
    const root = await makeRoot()
    await mkdir(join(root, 'half-copied'))
    await writeFile(join(root, 'NOTES'), 'not a version')
    const run = await runModels(['list', '--models-dir', root])
    assert.equal(run.code, 0, run.stderr)
    const lines = run.stdout.split('\n')
    assert.match(lines[0] as string, /^\s+version\s+created\s+test ROC AUC\s+log loss\s+calibration error$/)
    const rows = lines.slice(1, 4).map((line) => line.trim().split(/\s+/))
    assert.deepEqual(rows.map((r) => r.at(-5)), ['va', 'vb', 'weak'])
    assert.equal(rows[0]?.[0], '*', 'va is current')
    assert.equal(rows[1]?.length, 5, 'no mark on vb')
    for (const [i, version] of ['va', 'vb', 'weak'].entries()) {
      const card = await readCardOf(join(root, version))
      const { rocAuc, logLoss, expectedCalibrationError } = card.metrics.test
      assert.deepEqual(rows[i]?.slice(-4), [card.createdAt, rocAuc.toFixed(4), logLoss.toFixed(4), expectedCalibrationError.toFixed(4)], version)
    }
    assert.equal(lines[4], '')
    assert.equal(lines[5], `* current (${join(root, CURRENT_FILE)})`)
    assert.doesNotMatch(run.stdout, /half-copied|NOTES/)
  })

  test('models CLI - list - a copy that kept its old card is flagged, and a CURRENT naming no artefact is said', async () => {
    const root = await makeRoot()
    await copyArtefact(committed, root, 'stale')
    const card = await readCardOf(join(root, 'stale'))
    await writeFile(join(root, 'stale', CARD_FILE), JSON.stringify({ ...card, version: 'va' }))
    await setCurrent(root, 'gone')
    const run = await runModels(['list', '--models-dir', root])
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /^\s+stale\s.*\scard\.json names version "va"$/m)
    assert.match(run.stdout, new RegExp(`names gone, which is not an artefact in ${root}\\n$`))
    assert.doesNotMatch(run.stdout, /^\*/m)
  })

  test('models CLI - diff - both cards side by side, differing rows marked', async () => {
    const root = await makeRoot()
    const run = await runModels(['diff', 'va', 'weak', '--models-dir', root])
    assert.equal(run.code, 0, run.stderr)
    const [a, b] = await Promise.all([readCardOf(join(root, 'va')), readCardOf(join(root, 'weak'))])
    const row = (label: string): string[] => {
      const line = run.stdout.split('\n').find((l) => l.startsWith(label))
      assert.ok(line !== undefined, `a row ${label}`)
      return line.slice(label.length).trim().split(/\s+/)
    }
    assert.deepEqual(row(''), ['va', 'weak'])
    assert.deepEqual(row('created'), [a.createdAt, b.createdAt, '*'])
    assert.deepEqual(row('  ROC AUC'), [a.metrics.test.rocAuc.toFixed(4), b.metrics.test.rocAuc.toFixed(4), '*'])
    assert.deepEqual(row('  log loss'), [a.metrics.test.logLoss.toFixed(4), b.metrics.test.logLoss.toFixed(4), '*'])
    for (const label of ['  PR AUC', '  Brier score', '  calibration error', '  top-10% capture', '  top-20% capture', 'threshold', 'base rate']) row(label)
    const minutes = (card: ModelCard): string => (card.featureImportance.find((f) => f.field === 'minutesListened')?.aucDrop as number).toFixed(4)
    assert.deepEqual(row('  minutesListened').slice(0, 2), [minutes(a), minutes(b)])
    assert.deepEqual(row('  sha256'), [a.data.sha256.slice(0, 12), b.data.sha256.slice(0, 12), '*'])
    assert.deepEqual(row('  rows'), [String(a.data.rows), String(b.data.rows), '*'])
    assert.deepEqual(row('  splits train/val/test/folds').slice(0, 2), [a.data.splits, b.data.splits].map((s) => `${s.train}/${s.validation ?? '-'}/${s.test}/${s.folds ?? '-'}`))
    // A card trained before cross-fitting has no folds option: shown as "-".
    const foldsOf = (card: ModelCard): string => (card.training.options as Partial<ModelCard['training']['options']>).folds?.toString() ?? '-'
    assert.deepEqual(row('  folds'), [foldsOf(a), foldsOf(b), ...(foldsOf(a) === foldsOf(b) ? [] : ['*'])])
    assert.deepEqual(row('  testFraction'), ['0.15', '0.15'], 'equal rows are not marked')
  })

  test('models CLI - diff with an unknown version - exits 1 naming it', async () => {
    const root = await makeRoot()
    const run = await runModels(['diff', 'va', 'vz', '--models-dir', root])
    assert.equal(run.code, 1)
    assert.equal(run.stderr, `models: there is no version vz in ${root} (npm run models -- list shows them)\n`)
  })
})

describe('models CLI - promote', () => {
  test('models CLI - promote - verifies, rewrites CURRENT and appends one HISTORY line', async () => {
    const root = await makeRoot()
    const started = Date.now()
    const run = await runModels(['promote', 'vb', '--reason', 'new data month', '--models-dir', root])
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /^verified vb: /)
    assert.match(run.stdout, /promoted vb \(was va\)/)
    assert.equal(await current(root), 'vb')
    const history = await readHistory(root)
    assert.equal(history.length, 1)
    const [line] = history as [Promotion]
    assert.deepEqual({ ...line, time: '' }, { time: '', from: 'va', to: 'vb', reason: 'promote: new data month' })
    assert.ok(Date.parse(line.time) >= started - 1000 && Date.parse(line.time) <= Date.now(), line.time)
  })

  test('models CLI - promote the current version - says so, exits 0, no HISTORY line', async () => {
    const root = await makeRoot()
    const run = await runModels(['promote', 'va', '--models-dir', root])
    assert.equal(run.code, 0, run.stderr)
    assert.equal(run.stdout, `va is already current in ${root}: nothing changed\n`)
    assert.equal(await historyText(root), null)
  })

  test('models CLI - promote an unknown version - exits 1, CURRENT untouched', async () => {
    const root = await makeRoot()
    const run = await runModels(['promote', 'vz', '--models-dir', root])
    assert.equal(run.code, 1)
    assert.match(run.stderr, /^models: there is no version vz in /)
    assert.equal(await current(root), 'va')
  })

  test('models CLI - promote a damaged artefact (truncated weights.bin) - exits 1 naming the file; CURRENT and HISTORY untouched, even with --force', async () => {
    const root = await makeRoot()
    await truncate(join(root, 'vb', 'weights.bin'), 100)
    for (const extra of [[], ['--data', labelledCsv, '--force']]) {
      const run = await runModels(['promote', 'vb', '--models-dir', root, ...extra])
      assert.equal(run.code, 1, run.stderr)
      assert.equal(run.stderr, `models: vb fails verification: ${join(root, 'vb', 'weights.bin')}: SHA-256 does not match card.json (file changed, truncated or corrupt)\n`)
      assert.equal(run.stdout, '')
      assert.equal(await current(root), 'va')
      assert.equal(await historyText(root), null)
    }
  })

  test('models CLI - promote a copy that kept its old card - exits 1 naming card.json', async () => {
    const root = await makeRoot()
    await copyArtefact(committed, root, 'copied')
    const card = await readCardOf(join(root, 'copied'))
    await writeFile(join(root, 'copied', CARD_FILE), JSON.stringify({ ...card, version: 'va' }))
    const run = await runModels(['promote', 'copied', '--models-dir', root])
    assert.equal(run.code, 1)
    assert.match(run.stderr, new RegExp(`^models: copied fails verification: ${join(root, 'copied', CARD_FILE)}: names version "va", but its directory is copied\\n$`))
    assert.equal(await current(root), 'va')
  })

  test('models CLI - promote --data, an equally good candidate - both scored side by side, then promoted', async () => {
    const root = await makeRoot()
    const run = await runModels(['promote', 'vb', '--data', labelledCsv, '--models-dir', root])
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, new RegExp(`scored 1000 labelled customers of ${labelledCsv}\\n`))
    assert.match(run.stdout, /^\s+candidate vb\s+current va$/m)
    // The same weights: the same figures in both columns.
    for (const label of ['ROC AUC', 'log loss', 'calibration error', 'mean probability', 'base rate \\(buyers in the file\\)', 'top-20% capture']) {
      const match = new RegExp(`^${label}\\s+(\\d\\.\\d{4})\\s+(\\d\\.\\d{4})$`, 'm').exec(run.stdout)
      assert.ok(match !== null, `a row ${label}`)
      assert.equal(match[1], match[2], label)
    }
    assert.equal(await current(root), 'vb')
    assert.equal((await readHistory(root))[0]?.reason, 'promote')
  })

  test('models CLI - promote --data, a worse candidate - refused with exit 1 and CURRENT and HISTORY untouched; --force promotes and HISTORY says so', async () => {
    const root = await makeRoot()
    const refused = await runModels(['promote', 'weak', '--data', labelledCsv, '--models-dir', root])
    assert.equal(refused.code, 1, refused.stderr)
    assert.match(refused.stdout, /^\s+candidate weak\s+current va$/m)
    const logLoss = /^log loss\s+(\d\.\d{4})\s+(\d\.\d{4})$/m.exec(refused.stdout)
    assert.ok(logLoss !== null && Number(logLoss[1]) > Number(logLoss[2]) + 0.005, refused.stdout)
    assert.match(refused.stderr, /^models: refused to promote weak: log loss \d\.\d{4} is worse than the current model's \d\.\d{4} by \d\.\d{4}, more than the tolerance 0\.005; calibration error \d\.\d{4} is above 0\.05\. CURRENT still names va; --force promotes anyway\n$/)
    assertNoStack(refused)
    assert.equal(await current(root), 'va')
    assert.equal(await historyText(root), null)

    // A wide tolerance forgives the log loss, never the calibration.
    const tolerant = await runModels(['promote', 'weak', '--data', labelledCsv, '--tolerance', '10', '--models-dir', root])
    assert.equal(tolerant.code, 1)
    assert.match(tolerant.stderr, /^models: refused to promote weak: calibration error \d\.\d{4} is above 0\.05\. /)

    const forced = await runModels(['promote', 'weak', '--data', labelledCsv, '--force', '--reason', 'incident 42', '--models-dir', root])
    assert.equal(forced.code, 0, forced.stderr)
    assert.equal(await current(root), 'weak')
    const history = await readHistory(root)
    assert.equal(history.length, 1)
    assert.equal(history[0]?.from, 'va')
    assert.match(history[0]?.reason ?? '', /^promote --force \(overrode: log loss .*; calibration error .* is above 0\.05\): incident 42$/)
  })

  test('models CLI - promote --data with an unreadable or one-class file - exits 2 naming the file, nothing promoted', async () => {
    const root = await makeRoot()
    const missing = join(work.dir, 'missing.csv')
    const noBuyers = join(work.dir, 'no-buyers.csv')
    const data = generateCustomers(30, 53)
    await writeFile(noBuyers, toCsv({ customers: data.customers, labels: data.labels.map(() => 0) }, 'kaggle'))
    const absent = await runModels(['promote', 'vb', '--data', missing, '--models-dir', root])
    assert.equal(absent.code, 2)
    assert.equal(absent.stderr, `models: cannot read data file ${missing}: ENOENT\n`)
    const oneClass = await runModels(['promote', 'vb', '--data', noBuyers, '--models-dir', root])
    assert.equal(oneClass.code, 2)
    assert.equal(oneClass.stderr, `models: ${noBuyers} cannot compare models: it needs buyers and non-buyers, found 0 buyers among 30 customers\n`)
    assert.equal(await current(root), 'va')
  })
})

describe('models CLI - rollback', () => {
  test('models CLI - rollback - walks back one promotion per run, recorded as "rollback", then says there is nothing left', async () => {
    const root = await makeRoot()
    assert.equal((await runModels(['promote', 'vb', '--models-dir', root])).code, 0)
    assert.equal((await runModels(['promote', 'weak', '--models-dir', root])).code, 0)
    const first = await runModels(['rollback', '--models-dir', root])
    assert.equal(first.code, 0, first.stderr)
    assert.match(first.stdout, /rolled back to vb \(was weak\)/)
    assert.equal(await current(root), 'vb')
    const second = await runModels(['rollback', '--models-dir', root])
    assert.equal(second.code, 0, second.stderr)
    assert.equal(await current(root), 'va')
    assert.deepEqual((await readHistory(root)).map((p) => [p.from, p.to, p.reason]), [
      ['va', 'vb', 'promote'], ['vb', 'weak', 'promote'], ['weak', 'vb', ROLLBACK_REASON], ['vb', 'va', ROLLBACK_REASON]
    ])
    const before = await historyText(root)
    const third = await runModels(['rollback', '--models-dir', root])
    assert.equal(third.code, 1)
    assert.equal(third.stderr, `models: nothing to roll back to: ${join(root, HISTORY_FILE)} records no version current before va\n`)
    assert.equal(await current(root), 'va')
    assert.equal(await historyText(root), before)
  })

  test('models CLI - rollback to a version that fails verification - exits 1 naming the file, CURRENT untouched', async () => {
    const root = await makeRoot()
    assert.equal((await runModels(['promote', 'vb', '--models-dir', root])).code, 0)
    await truncate(join(root, 'va', 'model.json'), 10)
    const run = await runModels(['rollback', '--models-dir', root])
    assert.equal(run.code, 1)
    assert.match(run.stderr, new RegExp(`^models: va fails verification: ${join(root, 'va', 'model.json')}: `))
    assert.equal(await current(root), 'vb')
    assert.equal((await readHistory(root)).length, 1)
  })

  test('models CLI - promote or rollback while another holds the models root - exits 1 naming the lock, CURRENT and HISTORY untouched; a stale lock is taken over', async () => {
    const root = await makeRoot()
    const lock = join(root, PROMOTION_LOCK_FILE)
    await writeFile(lock, JSON.stringify({ token: 'other', host: 'another-pod', pid: 1, since: '2026-01-01T00:00:00.000Z' }))
    for (const argv of [['promote', 'vb'], ['rollback']]) {
      const run = await runModels([...argv, '--models-dir', root])
      assert.equal(run.code, 1, argv.join(' '))
      assert.match(run.stderr, /^models: another promotion or rollback is running on .*\.promotion\.lock: process 1 on another-pod since 2026-01-01/)
    }
    assert.equal(await current(root), 'va')
    assert.deepEqual(await readHistory(root), [])
    // Older than STALE_LOCK_MS: left by a process that died.
    const old = new Date(Date.now() - STALE_LOCK_MS - 1000)
    await utimes(lock, old, old)
    const run = await runModels(['promote', 'vb', '--models-dir', root])
    assert.equal(run.code, 0, run.stderr)
    assert.equal(await current(root), 'vb')
    assert.equal(existsSync(lock), false, 'the lock is released')
  })

  test('withPromotionLock - two promotions at once - the second is refused while the first runs, released after', async () => {
    const root = join(work.dir, 'lock')
    await mkdir(root)
    let release = (): void => {}
    let holding = (): void => {}
    const held = new Promise<void>((resolve) => { holding = resolve })
    const first = withPromotionLock(root, async () => {
      holding()
      await new Promise<void>((resolve) => { release = resolve })
    })
    await held
    await assert.rejects(withPromotionLock(root, async () => {}), PromotionLockedError)
    release()
    await first
    assert.equal(await withPromotionLock(root, async () => 'second'), 'second')
  })

  test('withPromotionLock - a lock of a process of this host that is gone - taken over at once', async () => {
    const root = join(work.dir, 'lock-dead')
    await mkdir(root)
    // A pid far above any in use here.
    await writeFile(join(root, PROMOTION_LOCK_FILE), JSON.stringify({ token: 'dead', host: hostname(), pid: 2 ** 22 + 12345, since: new Date().toISOString() }))
    assert.equal(await withPromotionLock(root, async () => 'ran'), 'ran')
    assert.equal(existsSync(join(root, PROMOTION_LOCK_FILE)), false)
  })

  test('withPromotionLock - five contenders for one stale lock - exactly one runs at a time, the others are refused, the lock is gone after', async () => {
    const root = join(work.dir, 'lock-race')
    await mkdir(root)
    const lock = join(root, PROMOTION_LOCK_FILE)
    await writeFile(lock, JSON.stringify({ token: 'old', host: 'another-pod', pid: 1, since: '2026-01-01T00:00:00.000Z' }))
    const old = new Date(Date.now() - STALE_LOCK_MS - 1000)
    await utimes(lock, old, old)
    let running = 0
    let most = 0
    const results = await Promise.allSettled(Array.from({ length: 5 }, async () => await withPromotionLock(root, async () => {
      most = Math.max(most, ++running)
      await new Promise((resolve) => setTimeout(resolve, 30))
      running--
    })))
    assert.equal(most, 1)
    assert.ok(results.some((r) => r.status === 'fulfilled'))
    for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof PromotionLockedError, String(r.reason))
    assert.equal(existsSync(lock), false)
  })

  test('models CLI - rollback after CURRENT was edited by hand - back to the version HISTORY last made current', async () => {
    const root = await makeRoot()
    assert.equal((await runModels(['promote', 'vb', '--models-dir', root])).code, 0)
    await setCurrent(root, 'weak')
    const run = await runModels(['rollback', '--models-dir', root])
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /rolled back to vb \(was weak\)/)
    assert.equal(await current(root), 'vb')
  })

  test('models CLI - rollback in a root without HISTORY - exits 1 with a clear message', async () => {
    const root = await makeRoot()
    const run = await runModels(['rollback', '--models-dir', root])
    assert.equal(run.code, 1)
    assert.match(run.stderr, /^models: nothing to roll back to: .*HISTORY records no version current before va\n$/)
  })
})

describe('model catalog and promotion history', () => {
  const promotion = (from: string | null, to: string, reason = 'promote'): Promotion => ({ time: '2026-01-01T00:00:00.000Z', from, to, reason })

  test('rollbackTarget - a chain of promotions and rollbacks - undoes the last standing promotion each time', () => {
    const history = [promotion(null, 'v1', 'train'), promotion('v1', 'v2'), promotion('v2', 'v3')]
    assert.equal(rollbackTarget(history, 'v3'), 'v2')
    const once = [...history, promotion('v3', 'v2', ROLLBACK_REASON)]
    assert.equal(rollbackTarget(once, 'v2'), 'v1', 'the second rollback goes further back, not to v3')
    const twice = [...once, promotion('v2', 'v1', ROLLBACK_REASON)]
    assert.equal(rollbackTarget(twice, 'v1'), null, 'v1 came from nothing')
    assert.equal(rollbackTarget([...twice, promotion('v1', 'v4')], 'v4'), 'v1', 'a promotion after rollbacks is undone as usual')
    assert.equal(rollbackTarget([], 'v1'), null)
    assert.equal(rollbackTarget(history, null), null)
    // CURRENT changed by hand (to an older version, or one never recorded): the edit is undone, back to
    // the version HISTORY last made current.
    assert.equal(rollbackTarget(history, 'v2'), 'v3')
    assert.equal(rollbackTarget(history, 'v1'), 'v3')
    assert.equal(rollbackTarget(history, 'hand-edited'), 'v3')
    assert.equal(rollbackTarget([], 'hand-edited'), null)
    // That rollback recorded, the next one undoes v2 -> v3, not the edit.
    assert.equal(rollbackTarget([...history, promotion('hand-edited', 'v3', ROLLBACK_REASON)], 'v3'), 'v2')
  })

  test('readHistory and recordPromotion - a torn last line - is skipped, and the next line starts on its own', async () => {
    const root = join(work.dir, 'torn')
    await mkdir(root)
    await recordPromotion(root, null, 'v1', 'train', new Date('2026-01-01T00:00:00Z'))
    await writeFile(join(root, HISTORY_FILE), (await readFile(join(root, HISTORY_FILE), 'utf8')) + '{"time":"2026-01-02T0', { flag: 'w' })
    await recordPromotion(root, 'v1', 'v2', 'promote', new Date('2026-01-03T00:00:00Z'))
    assert.deepEqual((await readHistory(root)).map((p) => p.to), ['v1', 'v2'])
    assert.equal(await readCurrentVersion(root), 'v2')
    assert.equal((await stat(join(root, CURRENT_FILE))).size, 3, 'CURRENT holds the name and a newline')
  })

  test('readCurrentVersion - missing or not a version name - null', async () => {
    const root = join(work.dir, 'current-only')
    await mkdir(root)
    assert.equal(await readCurrentVersion(root), null)
    await writeFile(join(root, CURRENT_FILE), '../etc\n')
    assert.equal(await readCurrentVersion(root), null)
    await writeFile(join(root, CURRENT_FILE), '  v7 \n')
    assert.equal(await readCurrentVersion(root), 'v7')
  })

  test('listVersions and readCard - cards that are not JSON objects - a problem in the list, a CardReadError naming the file', async () => {
    const root = join(work.dir, 'bad-cards')
    for (const [version, text] of [['v-null', 'null'], ['v-broken', '{"version":'], ['v-array', '[]']]) {
      await mkdir(join(root, version as string), { recursive: true })
      await writeFile(join(root, version as string, CATALOG_CARD_FILE), text as string)
    }
    const entries = await listVersions(root)
    assert.deepEqual(entries.map((e) => [e.version, e.problem?.replace(/ \(.*/, '')]), [
      ['v-array', 'card.json is not a JSON object'], ['v-broken', 'card.json is not valid JSON'], ['v-null', 'card.json is not a JSON object']
    ])
    await assert.rejects(readCard(root, 'v-null'), (err: Error) => err instanceof CardReadError && err.message === `${join(root, 'v-null', CARD_FILE)}: is not a JSON object`)
    await assert.rejects(readCard(root, 'v-none'), (err: Error) => err instanceof CardReadError && err.message.endsWith('card.json: file is missing'))
    assert.deepEqual(await listVersions(join(work.dir, 'no-root')), [])
    assert.equal(CATALOG_CARD_FILE, CARD_FILE, 'the catalog reads the file the store writes')
    assert.ok(existsSync(root))
  })
})
