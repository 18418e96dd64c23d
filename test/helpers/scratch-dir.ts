// Temporary directories that outlive one test but not the test process: models roots and artefact
// copies shared by several tests of a file. Each `npm test` run left 5 of these behind in /tmp (over
// 1,000 after a day of runs) before they were removed at exit.
import { rmSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const made: string[] = []

/** A fresh directory under the OS temp dir (name starting `buy-again-<prefix>-`), removed at exit. */
export async function scratchDir (prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `buy-again-${prefix}-`))
  if (made.length === 0) process.once('exit', removeAll)
  made.push(dir)
  return dir
}

function removeAll (): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
}
