// The curl examples of README.md and docs/*.md, run verbatim with the real curl against a listening test
// server, so a documented command that stopped working fails here. An example is a fenced block whose
// first command starts with `curl`; it must exit 0 with a 2xx answer, or with the status a
// `<!-- expect: NNN -->` comment on the line before the block names (examples that show an error).
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { buildTestApp } from './helpers/app.js'
import { committedStubModel } from './helpers/stub-model.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
/** The server address the docs use; only this is replaced by the test server's. */
const DOCUMENTED_BASE_URL = 'http://localhost:3000'
/** An example that sends `$API_KEY` runs against a server with this key in API_KEYS, and with API_KEY set. */
const TEST_API_KEY = 'docs-example-key-0123456789'
const EXAMPLE_TIMEOUT_MS = 30_000

export interface CurlExample {
  /** File and line of the opening fence, e.g. "docs/api.md:42". */
  readonly where: string
  /** The block's text, as written. */
  readonly command: string
  /** The status a `<!-- expect: NNN -->` comment names, or null for "any 2xx". */
  readonly expectedStatus: number | null
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/
const EXPECT_COMMENT = /^<!--\s*expect:\s*(\d{3})\s*-->$/

/** Whether a fenced block's first command (blank and `#` comment lines skipped) is a curl call. */
function startsWithCurl (body: readonly string[]): boolean {
  const first = body.map((line) => line.trim()).find((line) => line !== '' && !line.startsWith('#'))
  return first !== undefined && /^curl(\s|$)/.test(first)
}

/**
 * The curl examples of one markdown text. Throws on a fence left open and on an expect comment that is
 * not followed by a curl example: both are mistakes in the docs that would otherwise go unnoticed.
 */
export function curlExamples (markdown: string, file: string): CurlExample[] {
  const examples: CurlExample[] = []
  const lines = markdown.split(/\r?\n/)
  let open: { marker: string, line: number, body: string[], expectedStatus: number | null } | null = null
  let previousText = ''
  for (const [i, line] of lines.entries()) {
    const fence = FENCE.exec(line)
    if (open === null) {
      if (fence !== null) {
        const expected = EXPECT_COMMENT.exec(previousText.trim())
        open = { marker: fence[1] as string, line: i + 1, body: [], expectedStatus: expected === null ? null : Number(expected[1]) }
      } else if (line.trim() !== '') {
        if (EXPECT_COMMENT.test(previousText.trim())) throw new Error(`${file}:${i}: an expect comment must come right before a curl block`)
        previousText = line
      }
      continue
    }
    // A closing fence: the same character, at least as long, nothing after it.
    const marker = open.marker
    if (fence !== null && line.trim().startsWith(marker) && line.trim().replaceAll(marker[0] as string, '') === '') {
      if (startsWithCurl(open.body)) {
        examples.push({ where: `${file}:${open.line}`, command: open.body.join('\n'), expectedStatus: open.expectedStatus })
      } else if (open.expectedStatus !== null) {
        throw new Error(`${file}:${open.line}: an expect comment comes before a block that is not a curl example`)
      }
      open = null
      previousText = line
    } else {
      open.body.push(line)
    }
  }
  if (open !== null) throw new Error(`${file}:${open.line}: a fenced block is never closed`)
  if (EXPECT_COMMENT.test(previousText.trim())) throw new Error(`${file}: an expect comment must come right before a curl block`)
  return examples
}

/** README.md and every docs/*.md, relative to the repository root. */
function documentationFiles (): string[] {
  const docs = readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).sort()
  return ['README.md', ...docs.map((name) => `docs/${name}`)]
}

/** The examples, or why the docs could not be read (reported by the first test, not at import: a shard imports many files). */
function readExamples (): { examples: CurlExample[], problem: string | null } {
  try {
    return { examples: documentationFiles().flatMap((file) => curlExamples(readFileSync(join(ROOT, file), 'utf8'), file)), problem: null }
  } catch (err) {
    return { examples: [], problem: (err as Error).message }
  }
}

const { examples: EXAMPLES, problem: READ_PROBLEM } = readExamples()

// One server for all examples, and a second one with API_KEYS only if an example sends a key.
const servers = new Map<'open' | 'keyed', Promise<{ app: FastifyInstance, baseUrl: string }>>()

function server (kind: 'open' | 'keyed'): Promise<{ app: FastifyInstance, baseUrl: string }> {
  let started = servers.get(kind)
  if (started === undefined) {
    started = (async () => {
      const app = await buildTestApp(committedStubModel(), kind === 'keyed' ? { API_KEYS: TEST_API_KEY } : {})
      app.readiness.markReady()
      await app.listen({ port: 0, host: '127.0.0.1' })
      return { app, baseUrl: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` }
    })()
    servers.set(kind, started)
  }
  return started
}

const headersDir = mkdtempSync(join(tmpdir(), 'docs-examples-'))
after(async () => {
  for (const started of servers.values()) await (await started).app.close()
  rmSync(headersDir, { recursive: true, force: true })
})

interface Outcome { readonly exitCode: number, readonly status: number | null, readonly stdout: string, readonly stderr: string }

/**
 * Runs the example with bash from the repository root (so `@examples/customers.csv` resolves). curl is
 * wrapped in a function that adds only --dump-header, which records the HTTP status in a file and leaves
 * the example's own output and pipes as they are.
 */
async function run (example: CurlExample, index: number): Promise<Outcome> {
  const keyed = /\$\{?API_KEY\b/.test(example.command)
  const { baseUrl } = await server(keyed ? 'keyed' : 'open')
  const headersFile = join(headersDir, `example-${index}.headers`)
  const script = [
    'set -o pipefail',
    'curl () { command curl --dump-header "$DOCS_EXAMPLE_HEADERS" "$@"; }',
    example.command.replaceAll(DOCUMENTED_BASE_URL, baseUrl)
  ].join('\n')
  // The caller's environment (curl starts slowly without its CA settings), but never the caller's own key.
  const env: NodeJS.ProcessEnv = { ...process.env, DOCS_EXAMPLE_HEADERS: headersFile }
  delete env.API_KEY
  if (keyed) env.API_KEY = TEST_API_KEY
  const { exitCode, stdout, stderr } = await new Promise<{ exitCode: number, stdout: string, stderr: string }>((resolve) => {
    execFile('bash', ['-c', script], { cwd: ROOT, env, timeout: EXAMPLE_TIMEOUT_MS, maxBuffer: 16 << 20 }, (err, out, errOut) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1
      resolve({ exitCode: code, stdout: out, stderr: errOut })
    })
  })
  let headers = ''
  try {
    headers = await readFile(headersFile, 'utf8')
  } catch {}
  // The last status line: a 100 Continue comes before the answer's.
  const statuses = [...headers.matchAll(/^HTTP\/[\d.]+ (\d{3})/gm)].map((m) => Number(m[1]))
  return { exitCode, status: statuses.at(-1) ?? null, stdout, stderr }
}

test('docs curl examples - README.md and docs/*.md - found, each aimed at the documented base URL', () => {
  assert.equal(READ_PROBLEM, null)
  assert.ok(EXAMPLES.length > 0, 'no fenced curl example found in README.md or docs/*.md')
  assert.ok(EXAMPLES.some((e) => e.where.startsWith('README.md:')), 'README.md has no curl example')
  for (const example of EXAMPLES) {
    assert.ok(example.command.includes(DOCUMENTED_BASE_URL), `${example.where}: the example does not call ${DOCUMENTED_BASE_URL}`)
    // Any other spelling of the address would reach whatever listens on port 3000, not the test server.
    assert.ok(!example.command.replaceAll(DOCUMENTED_BASE_URL, '').includes('localhost:3000'), `${example.where}: write the address as ${DOCUMENTED_BASE_URL}`)
  }
})

for (const [index, example] of EXAMPLES.entries()) {
  const expected = example.expectedStatus === null ? '2xx' : String(example.expectedStatus)
  test(`docs curl example - ${example.where} - exits 0 with ${expected}`, async () => {
    const outcome = await run(example, index)
    const report = `${example.where}\n${example.command}\nexit code ${outcome.exitCode}, status ${outcome.status ?? 'none'}\nstdout: ${outcome.stdout.slice(0, 2000)}\nstderr: ${outcome.stderr.slice(0, 2000)}`
    assert.equal(outcome.exitCode, 0, report)
    assert.notEqual(outcome.status, null, `curl got no HTTP answer: ${report}`)
    if (example.expectedStatus === null) assert.ok((outcome.status as number) >= 200 && (outcome.status as number) < 300, report)
    else assert.equal(outcome.status, example.expectedStatus, report)
  })
}

test('curlExamples - blocks of several kinds - only curl blocks, with the expected status and line', () => {
  const markdown = [
    'Intro.',
    '',
    '```sh',
    '# a comment first',
    'curl -s http://localhost:3000/health/live',
    '```',
    '',
    '<!-- expect: 400 -->',
    '```sh',
    "curl -s http://localhost:3000/predict -d '{}'",
    '```',
    '',
    '```sh',
    'npm run score -- --help',
    'curl -s http://localhost:3000/metrics',
    '```',
    '````md',
    '```sh',
    'curl -s http://localhost:3000/inside-a-longer-fence',
    '```',
    '````'
  ].join('\n')
  assert.deepEqual(curlExamples(markdown, 'x.md'), [
    { where: 'x.md:3', command: '# a comment first\ncurl -s http://localhost:3000/health/live', expectedStatus: null },
    { where: 'x.md:9', command: "curl -s http://localhost:3000/predict -d '{}'", expectedStatus: 400 }
  ])
})

test('curlExamples - an unclosed fence or a stray expect comment - an error naming the line', () => {
  assert.throws(() => curlExamples('```sh\ncurl http://localhost:3000/\n', 'a.md'), /a\.md:1: a fenced block is never closed/)
  assert.throws(() => curlExamples('<!-- expect: 404 -->\n```sh\nnpm test\n```\n', 'b.md'), /b\.md:2: an expect comment/)
  assert.throws(() => curlExamples('<!-- expect: 404 -->\nSome text.\n', 'c.md'), /c\.md:1: an expect comment/)
})
