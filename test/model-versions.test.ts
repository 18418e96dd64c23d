// ModelVersions with a stand-in loader (no TensorFlow.js): pinned versions loaded once and dropped
// least recently used, unknown and unusable versions told apart, CURRENT reloads that swap or keep
// the old model, and nothing reloaded when MODEL_DIR pins the served directory.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { ArtefactError } from '../src/artefact/artefact-store.js'
import type { ModelCard } from '../src/artefact/model-card.js'
import { ModelHolder } from '../src/model/model-holder.js'
import { ModelVersions, VersionNotFoundError, VersionUnusableError, type VersionLoader } from '../src/model/model-versions.js'
import type { ServingModel } from '../src/model/serving-model.js'
import { scratchDir } from './helpers/scratch-dir.js'

interface World {
  readonly root: string
  readonly loads: string[]
  readonly disposed: string[]
  readonly versions: ModelVersions
  readonly logs: string[]
}

function stub (version: string, disposed: string[]): ServingModel {
  return {
    version,
    threshold: 0.5,
    card: { version } as unknown as ModelCard,
    predict: async (customers) => new Float32Array(customers.length).fill(0.5),
    dispose: () => { disposed.push(version) }
  }
}

/** A models root with these version folders; versions starting with "bad" fail to load, naming weights.bin, as does any while `loadable` says no. */
async function world (folders: string[], options: { maxLoaded?: number, pinned?: boolean, current?: string, loadable?: () => boolean } = {}): Promise<World> {
  const root = await scratchDir('versions')
  for (const name of folders) await mkdir(join(root, name))
  const current = options.current ?? 'a'
  await writeFile(join(root, 'CURRENT'), current + '\n')
  const loads: string[] = []
  const disposed: string[] = []
  const logs: string[] = []
  const load: VersionLoader = async (dir, version) => {
    loads.push(version)
    await new Promise((resolve) => setTimeout(resolve, 5))
    if (!existsSync(dir)) throw new ArtefactError(join(dir, 'card.json'), 'file is missing')
    if (version.startsWith('bad')) throw new ArtefactError(join(dir, 'weights.bin'), 'SHA-256 does not match card.json')
    if (options.loadable?.() === false) throw new ArtefactError(join(dir, 'weights.bin'), 'file is missing')
    return stub(version, disposed)
  }
  const versions = new ModelVersions(new ModelHolder(stub(current, disposed)), {
    modelsRoot: root,
    maxLoaded: options.maxLoaded ?? 3,
    pinned: options.pinned ?? false,
    load,
    log: { info: (_fields, message) => logs.push(`info ${message}`), error: (_fields, message) => logs.push(`error ${message}`) }
  })
  return { root, loads, disposed, versions, logs }
}

const versionOf = async (w: World, version: string | undefined): Promise<string> => await w.versions.use(version, (model) => model.version)

test('ModelVersions - pinned version - loaded on first use only, answers with that version; the current one without loading', async () => {
  const w = await world(['a', 'b'])
  const answers = await Promise.all([versionOf(w, 'b'), versionOf(w, 'b'), versionOf(w, undefined), versionOf(w, 'a')])
  assert.deepEqual(answers, ['b', 'b', 'a', 'a'])
  assert.deepEqual(w.loads, ['b'], 'concurrent first uses share one load')
  assert.deepEqual(w.versions.loadedVersions(), ['a', 'b'])
})

test('ModelVersions - more versions than MAX_LOADED_MODELS - least recently used dropped and disposed, never the current one', async () => {
  const w = await world(['a', 'b', 'c', 'd'], { maxLoaded: 3 })
  await versionOf(w, 'b')
  await versionOf(w, 'c')
  await versionOf(w, 'b') // c is now the least recently used
  await versionOf(w, 'd')
  assert.deepEqual(w.versions.loadedVersions().sort(), ['a', 'b', 'd'])
  assert.deepEqual(w.disposed, ['c'])
  await versionOf(w, 'c')
  assert.deepEqual(w.disposed, ['c', 'b'])
  assert.equal(w.versions.current.current().version, 'a')
})

test('ModelVersions - MAX_LOADED_MODELS=1 - a pinned version answers, then is disposed once its request is done', async () => {
  const w = await world(['a', 'b'], { maxLoaded: 1 })
  let disposedDuringUse: string[] = []
  const answer = await w.versions.use('b', (model) => {
    disposedDuringUse = [...w.disposed]
    return model.version
  })
  assert.equal(answer, 'b')
  assert.deepEqual(disposedDuringUse, [], 'never disposed under a request')
  assert.deepEqual(w.disposed, ['b'])
})

test('ModelVersions - unknown, malformed and unusable versions - VersionNotFoundError twice, VersionUnusableError naming the file', async () => {
  const w = await world(['a', 'bad-1'])
  await assert.rejects(versionOf(w, 'nope'), (err: unknown) => err instanceof VersionNotFoundError && err.version === 'nope')
  await assert.rejects(versionOf(w, '../a'), VersionNotFoundError)
  await assert.rejects(versionOf(w, 'bad-1'), (err: unknown) => err instanceof VersionUnusableError && err.file === 'bad-1/weights.bin' && /SHA-256/.test(err.message) && !err.message.includes(w.root))
  assert.deepEqual(w.versions.loadedVersions(), ['a'])
})

test('ModelVersions - CURRENT names another version - loaded, swapped in, the old one disposed, counted as a success', async () => {
  const w = await world(['a', 'b'])
  await writeFile(join(w.root, 'CURRENT'), 'b\n')
  await w.versions.reload('poll')
  assert.equal(w.versions.current.current().version, 'b')
  assert.deepEqual(w.disposed, ['a'])
  assert.deepEqual(w.versions.reloadCounts(), { success: 1, failure: 0 })
  assert.equal(w.versions.lastReloadError, null)
  await w.versions.reload('poll')
  assert.deepEqual(w.loads, ['b'], 'no reload while CURRENT names the version serving')
})

test('ModelVersions - CURRENT names a broken version - the old one keeps serving, one error line, lastReloadError names version and file; SIGHUP retries', async () => {
  const w = await world(['a', 'bad-2'])
  await writeFile(join(w.root, 'CURRENT'), 'bad-2\n')
  await w.versions.reload('poll')
  await w.versions.reload('poll')
  assert.equal(w.versions.current.current().version, 'a')
  assert.deepEqual(w.disposed, [])
  assert.equal(w.logs.filter((l) => l.startsWith('error')).length, 1, 'polling does not retry a refused version')
  assert.match(w.logs.find((l) => l.startsWith('error')) ?? '', /bad-2.*a keeps serving/)
  const error = w.versions.lastReloadError
  assert.equal(error?.version, 'bad-2')
  assert.equal(error?.file, 'bad-2/weights.bin', 'named inside the models root, not by the server path')
  assert.ok(!Number.isNaN(Date.parse(error?.time ?? '')))
  await w.versions.reload('signal', true)
  assert.deepEqual(w.loads, ['bad-2', 'bad-2'])
  assert.deepEqual(w.versions.reloadCounts(), { success: 0, failure: 2 })
  await writeFile(join(w.root, 'CURRENT'), 'a\n')
  await w.versions.reload('poll')
  assert.equal(w.versions.lastReloadError, null, 'CURRENT naming the serving version again clears the error')
})

test('ModelVersions - a refused version whose files then change (fixed, or a copy that finished after CURRENT was written) - retried once they hold still for a poll, and swapped in', async () => {
  let complete = false
  const w = await world(['a', 'late'], { loadable: () => complete })
  await writeFile(join(w.root, 'CURRENT'), 'late\n')
  await w.versions.reload('poll')
  await w.versions.reload('poll')
  assert.equal(w.versions.reloadCounts().failure, 1, 'unchanged files: not retried')
  assert.equal(w.versions.lastReloadError?.file, 'late/weights.bin')
  await writeFile(join(w.root, 'late', 'weights.bin'), 'the copy is running')
  await w.versions.reload('poll')
  assert.equal(w.versions.reloadCounts().failure, 1, 'files still changing: not retried yet')
  complete = true
  await writeFile(join(w.root, 'late', 'weights.bin'), 'the copy finished')
  await w.versions.reload('poll')
  assert.equal(w.versions.reloadCounts().failure, 1, 'changed again: waits for them to hold still')
  await w.versions.reload('poll')
  assert.equal(w.versions.current.current().version, 'late')
  assert.equal(w.versions.lastReloadError, null)
  assert.deepEqual(w.versions.reloadCounts(), { success: 1, failure: 1 })
})

test('ModelVersions - CURRENT missing or naming a folder that does not exist - old model keeps serving, error recorded', async () => {
  const w = await world(['a'])
  await writeFile(join(w.root, 'CURRENT'), 'gone\n')
  await w.versions.reload('poll')
  assert.equal(w.versions.current.current().version, 'a')
  assert.equal(w.versions.lastReloadError?.version, 'gone')
  assert.match(String(w.versions.lastReloadError?.file), /gone\/card\.json$/)
  await writeFile(join(w.root, 'CURRENT'), '../../etc\n')
  await w.versions.reload('poll')
  assert.equal(w.versions.lastReloadError?.version, null)
  assert.equal(w.versions.lastReloadError?.file, 'CURRENT')
})

test('ModelVersions - MODEL_DIR pins the served directory - CURRENT is neither watched nor reloaded', async () => {
  const w = await world(['a', 'b'], { pinned: true })
  await writeFile(join(w.root, 'CURRENT'), 'b\n')
  w.versions.startWatching(10)
  await w.versions.reload('signal', true)
  assert.equal(w.versions.watching, false)
  assert.equal(w.versions.current.current().version, 'a')
  assert.deepEqual(w.loads, [])
})

test('ModelVersions - watching - a change of CURRENT is picked up by the poll; close stops it and disposes everything', async () => {
  const w = await world(['a', 'b', 'c'])
  w.versions.startWatching(20)
  assert.equal(w.versions.watching, true)
  await versionOf(w, 'c')
  await writeFile(join(w.root, 'CURRENT'), 'b\n')
  const deadline = Date.now() + 5000
  while (w.versions.current.current().version !== 'b' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
  assert.equal(w.versions.current.current().version, 'b')
  w.versions.close()
  assert.equal(w.versions.watching, false)
  assert.deepEqual(w.disposed.sort(), ['a', 'b', 'c'])
})
