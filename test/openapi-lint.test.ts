// The generated OpenAPI document passes Redocly's lint (its recommended rules, or a redocly.yaml at
// the repository root when there is one) with no error and no warning: what client generators and
// the marketing systems' review run on it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml'
import { renderOpenApiYaml } from '../src/http/openapi-document.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const REDOCLY = join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? 'redocly.cmd' : 'redocly')

interface LintReport {
  totals: { errors: number, warnings: number }
  problems: Array<{ ruleId: string, severity: string, message: string, location: Array<{ pointer?: string }> }>
}

/** `redocly lint --format=json` on a YAML text; it exits 1 when it finds errors, with the report on stdout all the same. */
async function lint (yamlText: string): Promise<LintReport> {
  const dir = await mkdtemp(join(tmpdir(), 'buy-again-openapi-lint-'))
  try {
    const file = join(dir, 'openapi.yaml')
    await writeFile(file, yamlText)
    // From the repository root, so a redocly.yaml there applies; no telemetry or update check.
    const options = { cwd: ROOT, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' }, maxBuffer: 16 * 1024 * 1024 }
    const stdout = await promisify(execFile)(REDOCLY, ['lint', file, '--format=json'], options)
      .then((r) => r.stdout, (err: { stdout?: string }) => err.stdout ?? '')
    return JSON.parse(stdout) as LintReport
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

function describeProblems (report: LintReport): string {
  return report.problems.map((p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer ?? '?'}: ${p.message}`).join('\n')
}

const installed = await access(REDOCLY).then(() => true, () => false)

test('redocly lint - the generated document - 0 errors, 0 warnings', { skip: installed ? false : `${REDOCLY} is not installed` }, async () => {
  const rendered = await renderOpenApiYaml()
  // A copy with one operationId removed: the lint must see it, or a clean report proves nothing.
  const spoiled = parseYaml(rendered) as { paths: Record<string, Record<string, { operationId?: string }>> }
  delete (spoiled.paths['/predict']?.post ?? {}).operationId
  const [report, spoiledReport] = await Promise.all([lint(rendered), lint(stringifyYaml(spoiled))])
  assert.deepEqual(report.totals, { ...report.totals, errors: 0, warnings: 0 }, describeProblems(report))
  assert.ok(spoiledReport.problems.some((p) => p.ruleId === 'operation-operationId'), describeProblems(spoiledReport))
})
