// Import directions: the layers of src/ may only import inward, serving never reaches training or
// report code, and no module imports itself through a cycle. Read from the sources with TypeScript's
// own import scanner (ts.preProcessFile), so every static and dynamic import is seen.
import assert from 'node:assert/strict'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

/** What each part of src/ may import besides itself (folders by name; top-level files by file name). */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  domain: [],
  artefact: ['domain'],
  model: ['artefact', 'domain'],
  scoring: ['model', 'artefact', 'domain'],
  observability: [],
  http: ['scoring', 'model', 'artefact', 'domain', 'observability', 'config.ts'],
  evaluation: ['artefact', 'domain'],
  training: ['evaluation', 'artefact', 'domain'],
  'config.ts': ['artefact'],
  'server.ts': ['service.ts', 'http', 'scoring', 'model', 'artefact', 'domain', 'observability', 'config.ts'],
  'service.ts': ['http', 'scoring', 'model', 'artefact', 'domain', 'observability', 'config.ts']
}

/** Entry points that serve (the server, the file-scoring CLI, the OpenAPI writer): none may reach these. */
const SERVING_ENTRIES = ['src/server.ts', 'scripts/score.ts', 'scripts/models.ts', 'scripts/openapi.ts']
const TRAINING_ONLY = /^src\/training\//
const TRAINING_PACKAGES = /^(vega|vega-lite)(\/|$)/

function sourceFiles (dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(join(ROOT, path)).isDirectory()) return sourceFiles(path)
    return name.endsWith('.ts') ? [path] : []
  })
}

interface Imports { readonly files: string[], readonly packages: string[] }

/** Project files (relative to the root) and packages that `file` imports. */
function importsOf (file: string): Imports {
  const info = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true)
  const files: string[] = []
  const packages: string[] = []
  for (const { fileName } of info.importedFiles) {
    if (fileName.startsWith('.')) files.push(relative(ROOT, resolve(ROOT, dirname(file), fileName)).replace(/\.js$/, '.ts'))
    else if (!fileName.startsWith('node:')) packages.push(fileName)
  }
  return { files, packages }
}

const graph = new Map<string, Imports>([...sourceFiles('src'), ...sourceFiles('scripts')].map((file) => [file, importsOf(file)]))

/** The part of src/ a file belongs to: its first folder, or its own name at the top of src/. */
function partOf (file: string): string | null {
  const match = /^src\/([^/]+)/.exec(file)
  return match === null ? null : match[1] as string
}

test('architecture - every src/ file - belongs to a known layer', () => {
  const unknown = [...graph.keys()].filter((f) => f.startsWith('src/') && !Object.hasOwn(ALLOWED, partOf(f) as string))
  assert.deepEqual(unknown, [], 'new folders need a line in ALLOWED')
})

test('architecture - imports between layers - only inward', () => {
  const wrong: string[] = []
  for (const [file, { files }] of graph) {
    const from = partOf(file)
    if (from === null) continue
    for (const target of files) {
      const to = partOf(target)
      if (to === null) wrong.push(`${file} -> ${target} (src/ never imports scripts/ or tests)`)
      else if (to !== from && !(ALLOWED[from] ?? []).includes(to)) wrong.push(`${file} -> ${target}`)
    }
  }
  assert.deepEqual(wrong, [])
})

test('architecture - serving entry points - never reach training, report or vega code', () => {
  for (const entry of SERVING_ENTRIES) {
    assert.ok(graph.has(entry), `${entry} is a serving entry point in the import graph (renamed or moved?)`)
    const seen = new Set<string>()
    const stack = [entry]
    const reached: string[] = []
    while (stack.length > 0) {
      const file = stack.pop() as string
      if (seen.has(file)) continue
      seen.add(file)
      const imports = graph.get(file)
      if (imports === undefined) continue
      if (TRAINING_ONLY.test(file)) reached.push(file)
      reached.push(...imports.packages.filter((p) => TRAINING_PACKAGES.test(p)).map((p) => `${file} imports ${p}`))
      stack.push(...imports.files)
    }
    assert.deepEqual(reached, [], `${entry} reaches training code`)
  }
})

test('architecture - import graph of src/ and scripts/ - has no cycle', () => {
  const state = new Map<string, 'open' | 'done'>()
  const cycles: string[] = []
  const visit = (file: string, path: string[]): void => {
    if (state.get(file) === 'done') return
    if (state.get(file) === 'open') {
      cycles.push([...path.slice(path.indexOf(file)), file].join(' -> '))
      return
    }
    state.set(file, 'open')
    for (const target of graph.get(file)?.files ?? []) visit(target, [...path, file])
    state.set(file, 'done')
  }
  for (const file of graph.keys()) visit(file, [])
  assert.deepEqual(cycles, [])
})

test('architecture - the server build - compiles only what src/server.ts reaches', () => {
  const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { files?: string[], include?: string[] }
  assert.deepEqual(build.files, ['src/server.ts'])
  assert.deepEqual(build.include, [], 'an empty include, or the base tsconfig adds every folder')
})
