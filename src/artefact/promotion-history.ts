// Which version is current, and how it got there: models/CURRENT is rewritten atomically and every
// change is appended to models/HISTORY (one JSON object per line), so a rollback knows where to go.
import { randomUUID } from 'node:crypto'
import { appendFile, link, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { CURRENT_FILE, isValidVersion } from './models-root.js'

/** File in the models root listing every change of CURRENT, oldest first. */
export const HISTORY_FILE = 'HISTORY'

export interface Promotion {
  /** ISO 8601 time of the change. */
  readonly time: string
  /** The version current before (null when there was none). */
  readonly from: string | null
  readonly to: string
  /** Why: "train", "promote", "promote --force ...", "promote: <the operator's words>", or "rollback". */
  readonly reason: string
}

/** The reason of a rollback's line: rollbackTarget treats such a line as undoing the change before it. */
export const ROLLBACK_REASON = 'rollback'

/**
 * Records `version` as the default artefact of `modelsRoot`; nothing else. Not exported: every change
 * of CURRENT goes through recordPromotion, so HISTORY knows it and a rollback can undo it.
 */
async function setCurrentVersion (modelsRoot: string, version: string): Promise<void> {
  // Renamed into place: a server reading meanwhile sees the old or the new name, never an empty file.
  const tmp = join(modelsRoot, `.${CURRENT_FILE}.${process.pid}.tmp`)
  await writeFile(tmp, version + '\n')
  await rename(tmp, join(modelsRoot, CURRENT_FILE))
}

/** Makes `to` current and appends the change to HISTORY. */
export async function recordPromotion (modelsRoot: string, from: string | null, to: string, reason: string, now = new Date()): Promise<Promotion> {
  const promotion: Promotion = { time: now.toISOString(), from, to, reason }
  const file = join(modelsRoot, HISTORY_FILE)
  // HISTORY first: if CURRENT cannot be written, the line says what was attempted; the reverse order
  // could leave a change nobody can roll back. After a torn last line (a crash mid-append) the new
  // line starts on a line of its own, or both would be lost to readHistory.
  const separator = await endsMidLine(file) ? '\n' : ''
  await appendFile(file, separator + JSON.stringify(promotion) + '\n')
  await setCurrentVersion(modelsRoot, to)
  return promotion
}

/** Whether `file` exists, is not empty and its last byte is not a newline. */
async function endsMidLine (file: string): Promise<boolean> {
  let handle
  try {
    handle = await open(file, 'r')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw err
  }
  try {
    const { size } = await handle.stat()
    if (size === 0) return false
    const last = Buffer.alloc(1)
    await handle.read(last, 0, 1, size - 1)
    return last[0] !== 0x0a
  } finally {
    await handle.close()
  }
}

/** Every recorded change, oldest first; lines that are not a promotion are skipped. */
export async function readHistory (modelsRoot: string): Promise<Promotion[]> {
  let text: string
  try {
    text = await readFile(join(modelsRoot, HISTORY_FILE), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  const promotions: Promotion[] = []
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    try {
      const p = JSON.parse(line) as Partial<Promotion>
      if (typeof p.time === 'string' && typeof p.to === 'string' && isValidVersion(p.to) &&
        (p.from === null || (typeof p.from === 'string' && isValidVersion(p.from))) && typeof p.reason === 'string') {
        promotions.push({ time: p.time, from: p.from, to: p.to, reason: p.reason })
      }
    } catch {
      // A torn last line (a crash mid-append) is not a promotion.
    }
  }
  return promotions
}

/**
 * The version a rollback returns to, or null: the one current before the change that made `current`
 * current. Changes already undone by a rollback are skipped, so rolling back twice walks back two
 * promotions (v1 -> v2 -> v3, rollback to v2, rollback to v1) rather than returning to the version
 * the first rollback left.
 */
export function rollbackTarget (history: readonly Promotion[], current: string | null): string | null {
  const standing: Promotion[] = []
  for (const p of history) {
    const last = standing.at(-1)
    if (p.reason === ROLLBACK_REASON && last !== undefined && last.to === p.from && last.from === p.to) standing.pop()
    // A rollback that undid an edit by hand (back to the version standing last) leaves that version standing.
    else if (p.reason === ROLLBACK_REASON && last !== undefined && last.to === p.to) continue
    else standing.push(p)
  }
  const last = standing.at(-1)
  if (current === null || last === undefined) return null
  // CURRENT edited by hand since the last recorded change (to any version, a new one or an older one
  // as in a manual rollback): the change to undo is that edit, back to the version HISTORY last made
  // current, which is also what a server that refused the edited version still serves.
  if (last.to !== current) return last.to
  return last.from === current ? null : last.from
}

/** File in the models root that exists while a promotion or rollback runs (see withPromotionLock). */
export const PROMOTION_LOCK_FILE = '.promotion.lock'
/**
 * A lock older than this, held from another host, is taken to be left by a process that died: a
 * promotion with --data scores the labelled file with two models, 2.7 s in all for the 11,971-row
 * training file on this 2-core machine (`time npm run models -- promote <v> --data
 * ../shared/data/audiobooks.csv --models-dir <copy of models/>`, 2026-11-30), so 10 minutes is far
 * beyond any live holder even on a much larger file. On the same host a lock whose process is gone is
 * stale at once.
 */
export const STALE_LOCK_MS = 10 * 60 * 1000

/** Another promotion or rollback holds the models root. */
export class PromotionLockedError extends Error {}

interface LockOwner { readonly token: string, readonly host: string, readonly pid: number, readonly since: string }

function parseOwner (text: string): LockOwner | null {
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>
    return typeof owner.token === 'string' && typeof owner.host === 'string' && typeof owner.pid === 'number' && typeof owner.since === 'string'
      ? owner as LockOwner
      : null
  } catch {
    return null
  }
}

/** A process of this host that no longer exists. */
function deadHere (owner: LockOwner): boolean {
  if (owner.host !== hostname()) return false
  try {
    process.kill(owner.pid, 0)
    return false
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

/**
 * Creates the lock file holding `owner`, or returns the text of the lock that exists. Written under a
 * private name and linked into place, so a reader never sees an empty lock.
 */
async function tryCreate (lock: string, owner: LockOwner): Promise<string | null> {
  const draft = `${lock}.${owner.token}`
  await writeFile(draft, JSON.stringify(owner) + '\n')
  try {
    await link(draft, lock)
    return null
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    return await readFile(lock, 'utf8').catch(() => '')
  } finally {
    await rm(draft, { force: true })
  }
}

/**
 * Runs `work` while holding the models root's promotion lock, so two promotions (or a promotion and a
 * rollback) cannot both read the same CURRENT and each record a change from it, one silently lost.
 * A stale lock (see STALE_LOCK_MS) is moved aside by rename, which only one contender can do, and
 * the lock is removed at the end only if it is still this call's.
 */
export async function withPromotionLock<T> (modelsRoot: string, work: () => Promise<T>): Promise<T> {
  const lock = join(modelsRoot, PROMOTION_LOCK_FILE)
  const owner: LockOwner = { token: randomUUID(), host: hostname(), pid: process.pid, since: new Date().toISOString() }
  let held = await tryCreate(lock, owner)
  if (held !== null) {
    const other = parseOwner(held)
    const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0)
    const stale = (other !== null && deadHere(other)) || age > STALE_LOCK_MS
    const described = other === null ? 'unreadable' : `process ${other.pid} on ${other.host} since ${other.since}`
    if (!stale) {
      throw new PromotionLockedError(`another promotion or rollback is running on ${modelsRoot} (${lock}: ${described}); try again when it is done, or delete that file if its process is gone`)
    }
    // Moved aside, not deleted: of two processes taking over the same stale lock, one rename finds it
    // gone; and one that moved a fresh lock (taken over by another meanwhile) puts it back.
    const aside = `${lock}.stale.${owner.token}`
    try {
      await rename(lock, aside)
      const moved = await readFile(aside, 'utf8').catch(() => '')
      if (moved !== held) {
        await link(aside, lock).catch(() => {})
        throw new PromotionLockedError(`another promotion or rollback took over a stale lock on ${modelsRoot} first (${lock}); try again when it is done`)
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    } finally {
      await rm(aside, { force: true })
    }
    held = await tryCreate(lock, owner)
    if (held !== null) throw new PromotionLockedError(`another promotion or rollback took over a stale lock on ${modelsRoot} first (${lock}); try again when it is done`)
  }
  try {
    return await work()
  } finally {
    const still = parseOwner(await readFile(lock, 'utf8').catch(() => ''))
    if (still?.token === owner.token) await rm(lock, { force: true })
  }
}
