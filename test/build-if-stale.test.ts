// npm start's build step: dist/ is rebuilt exactly when it is missing or older than what tsc reads, the
// record of the build is dated so nothing saved during a build is missed, and the paths it checks are
// the ones tsconfig.build.json and package.json use. Dates are set by hand: nothing here waits.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import {
  BUILD_CONFIG, ENTRY, INPUT_FILES, STAMP, main, readBuildState, staleReason, type BuildState
} from '../scripts/build-if-stale.js'
import { PROJECT_ROOT } from './helpers/run-script.js'

const SECOND = 1000

const upToDate: BuildState = { entryExists: true, stampMs: 2000 * SECOND, newestInput: { path: 'src/server.ts', mtimeMs: 1000 * SECOND } }

test('staleReason - nothing changed since the last build - null (skip tsc)', () => {
  assert.equal(staleReason(upToDate), null)
})

test('staleReason - a source newer than the last build - rebuild, naming the file', () => {
  const reason = staleReason({ ...upToDate, newestInput: { path: 'src/model/explanations.ts', mtimeMs: 3000 * SECOND } })
  assert.match(reason ?? '', /src\/model\/explanations\.ts changed since the last build/)
})

test('staleReason - dist/server.js missing (fresh clone, rm -rf dist) - rebuild, even with a recent record', () => {
  assert.match(staleReason({ ...upToDate, entryExists: false }) ?? '', /dist\/server\.js does not exist/)
})

test('staleReason - no record of a build (dist/ built by something else) - rebuild', () => {
  assert.match(staleReason({ ...upToDate, stampMs: null }) ?? '', /no record of the last build/)
})

/** A project with the build's inputs and a built dist/, every date set to `ms`. */
function project (ms: number): string {
  const root = mkdtempSync(join(tmpdir(), 'build-if-stale-'))
  const files = ['src/server.ts', 'src/model/explanations.ts', ...INPUT_FILES, ENTRY, STAMP]
  for (const file of files) {
    mkdirSync(dirname(join(root, file)), { recursive: true })
    writeFileSync(join(root, file), '{}\n')
  }
  for (const path of [...files, 'src', 'src/model']) setDate(root, path, ms)
  return root
}

function setDate (root: string, path: string, ms: number): void {
  const date = new Date(ms)
  utimesSync(join(root, path), date, date)
}

test('readBuildState - built after every input - up to date; an edited, added or removed source - stale', (t) => {
  const root = project(1000 * SECOND)
  t.after(() => rmSync(root, { recursive: true, force: true }))
  setDate(root, STAMP, 2000 * SECOND)
  assert.equal(staleReason(readBuildState(root)), null)

  setDate(root, 'src/model/explanations.ts', 3000 * SECOND)
  assert.deepEqual(readBuildState(root).newestInput, { path: join('src', 'model', 'explanations.ts'), mtimeMs: 3000 * SECOND })
  setDate(root, 'src/model/explanations.ts', 1000 * SECOND)

  // Adding or removing a file dates its folder: an import of a deleted module must fail the build.
  rmSync(join(root, 'src/model/explanations.ts'))
  assert.match(staleReason(readBuildState(root)) ?? '', /^src\/model changed/)
  setDate(root, 'src/model', 1000 * SECOND)

  setDate(root, 'package-lock.json', 2500 * SECOND)
  assert.match(staleReason(readBuildState(root)) ?? '', /^package-lock\.json changed/)
})

/** Runs main on `root` with a stand-in compiler; returns what it printed and how often it compiled. */
function runMain (root: string, compile: (root: string) => number): { code: number, output: string, compiles: number } {
  let output = ''
  let compiles = 0
  const stdout = new Writable({ write (chunk: Buffer, _encoding, done) { output += chunk.toString(); done() } })
  const code = main(root, { stdout, compile: (at) => { compiles++; return compile(at) } })
  return { code, output, compiles }
}

test('main - up to date - does not compile; stale - compiles once and dates the record to the start of the build', (t) => {
  const root = project(1000 * SECOND)
  t.after(() => rmSync(root, { recursive: true, force: true }))
  setDate(root, STAMP, 2000 * SECOND)
  const skipped = runMain(root, () => assert.fail('compiled an up-to-date dist/'))
  assert.deepEqual([skipped.code, skipped.compiles], [0, 0])
  assert.match(skipped.output, /up to date/)

  setDate(root, 'src/server.ts', 3000 * SECOND)
  let compiledAtMs = 0
  const built = runMain(root, (at) => {
    compiledAtMs = Date.now()
    writeFileSync(join(at, STAMP), '{}\n') // tsc rewrites its record at the end
    return 0
  })
  assert.deepEqual([built.code, built.compiles], [0, 1])
  assert.match(built.output, /src\/server\.ts changed since the last build; compiling/)
  const stampMs = statSync(join(root, STAMP)).mtimeMs
  assert.ok(stampMs > 3000 * SECOND && stampMs <= compiledAtMs, `record dated ${stampMs}, compile started ${compiledAtMs}`)
  assert.equal(runMain(root, () => assert.fail('compiled twice')).compiles, 0)
})

test('main - dist/server.js missing - drops the incremental record first, so tsc emits every file', (t) => {
  const root = project(1000 * SECOND)
  t.after(() => rmSync(root, { recursive: true, force: true }))
  rmSync(join(root, ENTRY))
  const built = runMain(root, (at) => {
    assert.throws(() => statSync(join(at, STAMP)), /ENOENT/, 'an old record would make tsc skip unchanged files')
    writeFileSync(join(at, ENTRY), '')
    return 0
  })
  assert.deepEqual([built.code, built.compiles], [0, 1])
})

test('main - tsc fails (type errors, yet files emitted) - its exit code, and the next start compiles again', (t) => {
  const root = project(1000 * SECOND)
  t.after(() => rmSync(root, { recursive: true, force: true }))
  setDate(root, 'src/server.ts', 3000 * SECOND)
  const failed = runMain(root, (at) => { writeFileSync(join(at, STAMP), '{}\n'); return 2 })
  assert.equal(failed.code, 2)
  assert.match(staleReason(readBuildState(root)) ?? '', /changed since the last build/)
})

test('build step - paths - the ones tsconfig.build.json and package.json use', () => {
  const config = JSON.parse(readFileSync(join(PROJECT_ROOT, BUILD_CONFIG), 'utf8')) as { compilerOptions: Record<string, unknown>, files: string[] }
  assert.equal(config.compilerOptions.incremental, true)
  assert.equal(config.compilerOptions.tsBuildInfoFile, STAMP)
  assert.equal(`${String(config.compilerOptions.outDir)}/server.js`, ENTRY)
  assert.deepEqual(config.files, ['src/server.ts'])
  const { scripts } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  assert.equal(scripts.prestart, 'node --import tsx scripts/build-if-stale.ts')
  // exec: npm forwards SIGINT and SIGTERM to its child, which must be node itself: sh would die of
  // SIGTERM and leave the server running without a parent.
  assert.equal(scripts.start, `exec node ${ENTRY}`)
})
