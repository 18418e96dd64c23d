// Every model version the process serves: the current one (a ModelHolder, swapped live when
// models/CURRENT names another version or on SIGHUP) and versions pinned per request, loaded on
// first use and dropped least recently used. A version that fails to load never replaces a working
// one: the error is kept for GET /models and the model in service goes on answering.
import { stat } from 'node:fs/promises'
import { join, sep } from 'node:path'
import { ArtefactError, folderFingerprint } from '../artefact/artefact-store.js'
import { readCurrentVersion } from '../artefact/model-catalog.js'
import { CURRENT_FILE, isValidVersion } from '../artefact/models-root.js'
import { ModelHolder } from './model-holder.js'
import type { ServingModel } from './serving-model.js'

/** Loads, verifies and warms up the artefact in `dir`, whose card must carry `version`. */
export type VersionLoader = (dir: string, version: string) => Promise<ServingModel>

export interface ReloadError {
  readonly version: string | null
  /** The file at fault, when one is known. */
  readonly file: string | null
  readonly message: string
  /** ISO 8601. */
  readonly time: string
}

export type ReloadResult = 'success' | 'failure'

/** The few log methods used here (pino's signature). */
export interface VersionsLog {
  info: (fields: object, message: string) => void
  error: (fields: object, message: string) => void
}

export interface ModelVersionsOptions {
  readonly modelsRoot: string
  /** Most versions in memory at once, the current one included (MAX_LOADED_MODELS). */
  readonly maxLoaded: number
  readonly load: VersionLoader
  /** True when MODEL_DIR pins the served directory: CURRENT is neither watched nor reloaded. */
  readonly pinned: boolean
  readonly log?: VersionsLog
}

/** The version asked for does not exist in the models root (or is not a version name). */
export class VersionNotFoundError extends Error {
  constructor (readonly version: string) {
    super(`model version "${version.slice(0, 128)}" does not exist in the models root`)
    this.name = 'VersionNotFoundError'
  }
}

/** The version exists but cannot be served: a file is missing, corrupt or from other code. */
export class VersionUnusableError extends Error {
  constructor (readonly version: string, readonly file: string | null, problem: string) {
    super(`model version ${version} cannot be served: ${problem}`)
    this.name = 'VersionUnusableError'
  }
}

interface PinnedEntry {
  readonly holder: ModelHolder
  lastUsed: number
}

export class ModelVersions {
  readonly current: ModelHolder
  private readonly options: ModelVersionsOptions
  private readonly pinnedVersions = new Map<string, PinnedEntry>()
  private readonly pendingLoads = new Map<string, Promise<PinnedEntry>>()
  private reloadChain: Promise<void> = Promise.resolve()
  /**
   * The version last refused and its folder's fingerprint then, so a poll does not retry (and log) it
   * every second, but does once its files changed and then stayed the same for a poll (fixed, or a
   * copy finished after CURRENT was written: not at every poll while the copy runs); SIGHUP always does.
   */
  private refused: { readonly version: string, readonly fingerprint: string, changedTo?: string } | null = null
  private lastError: ReloadError | null = null
  private timer: NodeJS.Timeout | null = null
  private useCounter = 0
  private closed = false
  private readonly reloads: Record<ReloadResult, number> = { success: 0, failure: 0 }
  private log: VersionsLog | undefined

  constructor (current: ModelHolder, options: ModelVersionsOptions) {
    this.current = current
    this.options = options
    this.log = options.log
  }

  /**
   * One model in service and nothing else: no version can be pinned (a ?modelVersion= is refused as
   * unusable) and nothing is watched. For the OpenAPI document and the benchmarks.
   */
  static fixed (model: ServingModel, modelsRoot: string): ModelVersions {
    return new ModelVersions(new ModelHolder(model), {
      modelsRoot, maxLoaded: 1, pinned: true, load: async () => await Promise.reject(new Error('only the fixed model is served'))
    })
  }

  get lastReloadError (): ReloadError | null {
    return this.lastError
  }

  get watching (): boolean {
    return this.timer !== null
  }

  get modelsRoot (): string {
    return this.options.modelsRoot
  }

  get maxLoaded (): number {
    return this.options.maxLoaded
  }

  /** Versions in memory now: the current one first, then the pinned ones. */
  loadedVersions (): string[] {
    const current = this.current.current().version
    return [current, ...[...this.pinnedVersions.keys()].filter((v) => v !== current)]
  }

  /**
   * Runs `work` with `version` (undefined: the current one). The model is not disposed before `work`
   * settles, even if it is swapped out or evicted meanwhile.
   */
  async use<T> (version: string | undefined, work: (model: ServingModel) => Promise<T> | T): Promise<T> {
    for (;;) {
      if (version === undefined || version === this.current.current().version) return await this.current.use(work)
      const entry = await this.pinned(version)
      // Another request may have evicted it while this one waited: load it again.
      if (this.pinnedVersions.get(version) !== entry) continue
      entry.lastUsed = ++this.useCounter
      // use() counts this user before anything else runs, so the eviction below cannot dispose it.
      const result = entry.holder.use(work)
      this.evictBeyondCapacity()
      return await result
    }
  }

  /** Successful and failed attempts to put a new current version in service, since start. */
  reloadCounts (): Readonly<Record<ReloadResult, number>> {
    return { ...this.reloads }
  }

  /** Where log lines go (the app's logger, once it exists). */
  useLog (log: VersionsLog): void {
    this.log = log
  }

  /** Polls CURRENT every `intervalMs` (a rename into place, a volume update or an edit are all seen). */
  startWatching (intervalMs: number): void {
    if (this.options.pinned || this.timer !== null || this.closed) return
    this.timer = setInterval(() => {
      this.reload('poll').catch((err: unknown) => this.log?.error({ err }, 'reading models/CURRENT failed'))
    }, intervalMs)
    this.timer.unref()
  }

  /**
   * Reads CURRENT and, when it names another version, loads, verifies and warms it up, then swaps it
   * in. Calls are serialized; `force` (SIGHUP) retries a version refused before.
   */
  async reload (reason: 'poll' | 'signal' | 'request', force = false): Promise<void> {
    const next = this.reloadChain.then(async () => await this.reloadOnce(reason, force))
    this.reloadChain = next.catch(() => {})
    await next
  }

  close (): void {
    this.closed = true
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
    for (const entry of this.pinnedVersions.values()) entry.holder.close()
    this.pinnedVersions.clear()
    this.current.close()
  }

  private async reloadOnce (reason: string, force: boolean): Promise<void> {
    if (this.options.pinned || this.closed) return
    const { modelsRoot } = this.options
    const named = await readCurrentVersion(modelsRoot)
    const serving = this.current.current().version
    if (named === null) {
      if (this.refused?.version !== CURRENT_FILE || force) {
        this.refused = { version: CURRENT_FILE, fingerprint: '' }
        this.fail(null, CURRENT_FILE, 'is missing or does not name a version', serving)
      }
      return
    }
    if (named === serving) {
      // CURRENT names the version serving again (a fix by hand, a promote, a rollback): the last
      // failure is history, not the state of this pod.
      this.refused = null
      this.lastError = null
      return
    }
    const dir = join(modelsRoot, named)
    const fingerprint = await folderFingerprint(dir)
    const refused = this.refused
    if (!force && refused?.version === named) {
      if (refused.fingerprint === fingerprint) return
      // Changed since the refusal: retried once the files hold still for a poll.
      if (refused.changedTo !== fingerprint) {
        refused.changedTo = fingerprint
        return
      }
    }
    const started = performance.now()
    let model: ServingModel
    try {
      model = await this.options.load(dir, named)
    } catch (err) {
      this.refused = { version: named, fingerprint }
      this.fail(named, err instanceof ArtefactError ? this.relative(err.file) : null, this.relative((err as Error).message), serving)
      return
    }
    if (this.closed) {
      model.dispose?.()
      return
    }
    this.current.replace(model)
    this.dropPinned(named)
    this.refused = null
    this.lastError = null
    this.reloads.success++
    this.log?.info({ from: serving, to: named, reason, loadMs: Math.round(performance.now() - started), executor: model.executor }, 'model swapped')
  }

  /** Paths inside the models root without the root: clients and GET /models need not learn the server's layout. */
  private relative (text: string): string {
    const root = this.options.modelsRoot.endsWith(sep) ? this.options.modelsRoot : this.options.modelsRoot + sep
    return text.replaceAll(root, '')
  }

  private fail (version: string | null, file: string | null, message: string, serving: string): void {
    this.lastError = { version, file, message, time: new Date().toISOString() }
    this.reloads.failure++
    this.log?.error({ version, file, serving, err: message }, `model ${version ?? '(CURRENT)'} not loaded, ${serving} keeps serving: ${message}`)
  }

  private async pinned (version: string): Promise<PinnedEntry> {
    const loaded = this.pinnedVersions.get(version)
    if (loaded !== undefined) return loaded
    const pending = this.pendingLoads.get(version)
    if (pending !== undefined) return await pending
    const loading = this.loadPinned(version)
    this.pendingLoads.set(version, loading)
    try {
      return await loading
    } finally {
      this.pendingLoads.delete(version)
    }
  }

  private async loadPinned (version: string): Promise<PinnedEntry> {
    if (!isValidVersion(version)) throw new VersionNotFoundError(version)
    const dir = join(this.options.modelsRoot, version)
    const exists = await stat(dir).then((s) => s.isDirectory(), () => false)
    if (!exists) throw new VersionNotFoundError(version)
    let model: ServingModel
    try {
      model = await this.options.load(dir, version)
    } catch (err) {
      throw new VersionUnusableError(version, err instanceof ArtefactError ? this.relative(err.file) : null, this.relative((err as Error).message))
    }
    if (this.closed) {
      model.dispose?.()
      throw new VersionUnusableError(version, null, 'the server is shutting down')
    }
    const entry: PinnedEntry = { holder: new ModelHolder(model), lastUsed: ++this.useCounter }
    this.pinnedVersions.set(version, entry)
    this.log?.info({ version, loaded: this.loadedVersions() }, 'pinned model version loaded')
    return entry
  }

  /** Drops pinned versions, least recently used first, until at most maxLoaded versions are in memory. */
  private evictBeyondCapacity (): void {
    const room = Math.max(0, this.options.maxLoaded - 1)
    while (this.pinnedVersions.size > room) {
      let oldest: [string, PinnedEntry] | null = null
      for (const item of this.pinnedVersions) if (oldest === null || item[1].lastUsed < oldest[1].lastUsed) oldest = item
      if (oldest === null) return
      this.dropPinned(oldest[0])
    }
  }

  private dropPinned (version: string): void {
    const entry = this.pinnedVersions.get(version)
    if (entry === undefined) return
    this.pinnedVersions.delete(version)
    entry.holder.close()
  }
}
