// The model in service, asked for at use time by every route, probe, metric and CLI, so a version can
// be replaced while the process runs. A caller scores through use(): the model it started with stays
// alive until it is done, and a replaced model is disposed when its last user finishes.
import type { ServingModel } from './serving-model.js'

interface Entry {
  readonly model: ServingModel
  users: number
  retired: boolean
  disposed: boolean
}

export class ModelHolder {
  private entry: Entry
  private closed = false

  constructor (initial: ServingModel) {
    this.entry = { model: initial, users: 0, retired: false, disposed: false }
  }

  /** The model in service now. For a quick look (version, card); score through use(). */
  current (): ServingModel {
    return this.entry.model
  }

  /** Runs `work` with the current model, which is not disposed before `work` settles. */
  async use<T> (work: (model: ServingModel) => Promise<T> | T): Promise<T> {
    const entry = this.entry
    entry.users++
    try {
      return await work(entry.model)
    } finally {
      entry.users--
      if (entry.retired && entry.users === 0) disposeOnce(entry)
    }
  }

  /** Puts `next` in service; the previous model is disposed once its current users finish. Returns it. */
  replace (next: ServingModel): ServingModel {
    if (this.closed) throw new Error('the model holder is closed')
    const previous = this.entry
    this.entry = { model: next, users: 0, retired: false, disposed: false }
    this.retire(previous)
    return previous.model
  }

  /** Disposes the model in service (after its users finish); the holder takes no new model after this. */
  close (): void {
    if (this.closed) return
    this.closed = true
    this.retire(this.entry)
  }

  private retire (entry: Entry): void {
    if (entry.retired) return
    entry.retired = true
    if (entry.users === 0) disposeOnce(entry)
  }
}

function disposeOnce (entry: Entry): void {
  if (entry.disposed) return
  entry.disposed = true
  entry.model.dispose?.()
}
