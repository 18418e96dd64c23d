// Drift bookkeeping: the last N customers scored by the current model version, kept as bin indexes
// per customer field (no customer data), compared with the training distribution on the model card by
// the population stability index. One window per process, restarted whenever the version changes.
import type { FieldDistribution, InputDistribution, ModelCard } from '../artefact/model-card.js'
import type { CustomerInputs } from '../domain/customer.js'
import { COUNTED_COLUMNS, COUNTED_FIELDS, binColumn, padCuts, writeFieldValues } from './drift-counting.js'

/** Shares are floored at this before the PSI's logarithm: an empty bin must not make it infinite. */
export const PSI_SHARE_FLOOR = 1e-4

/** What the window needs of a model: which version it is and its card's reference distribution. */
export interface DriftModel {
  readonly version: string
  readonly card: Pick<ModelCard, 'baseRate' | 'inputDistribution'>
}

export interface DriftBin {
  /** Exclusive lower edge; null for the first bin (everything up to `upper`). */
  readonly lower: number | null
  /** Inclusive upper edge; null for the last bin (everything above `lower`). */
  readonly upper: number | null
  readonly trainingShare: number
  readonly windowShare: number
}

export interface FeatureDrift {
  /** Population stability index of the window against training; null while the window is empty. */
  readonly psi: number | null
  readonly bins: DriftBin[]
  /** Optional fields: share of customers without a value (binned as the imputed value). */
  readonly missing?: { readonly trainingShare: number, readonly windowShare: number }
}

export interface DriftReport {
  readonly modelVersion: string
  /** Customers in the window now. */
  readonly window: number
  /** Most customers the window holds (DRIFT_WINDOW). */
  readonly capacity: number
  /** Share of buyers in the training split. */
  readonly baseRate: number
  /** Mean reported probability over the window; null while it is empty. */
  readonly meanProbability: number | null
  readonly features: Record<string, FeatureDrift>
}

/** The few figures /metrics exposes, computed without building the bins. */
export interface DriftSummary {
  readonly windowCustomers: number
  readonly meanProbability: number | null
  readonly psiByFeature: Readonly<Record<string, number | null>>
}

/** PSI = sum over bins of (a - e) ln(a / e), with both shares floored at PSI_SHARE_FLOOR. */
export function populationStabilityIndex (expected: ArrayLike<number>, actual: ArrayLike<number>): number {
  let psi = 0
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(PSI_SHARE_FLOOR, expected[i] as number)
    const a = Math.max(PSI_SHARE_FLOOR, actual[i] as number)
    psi += (a - e) * Math.log(a / e)
  }
  return psi
}

interface CompiledField {
  readonly name: string
  readonly cuts: Float64Array
  /** The cuts padded for binColumn's unrolled path, or null when there are too many. */
  readonly padded: Float64Array | null
  readonly shares: readonly number[]
  /** Where this field's bins start in the counts array. */
  readonly offset: number
}

/** The reference in the order writeFieldValues writes. */
interface Reference {
  /** The fields in COUNTED_FIELDS order, then "review score missing" (bins 0: present, 1: missing). */
  readonly columns: readonly CompiledField[]
  /** The value a missing review score is binned as (the imputation the model uses). */
  readonly reviewScoreIfMissing: number
}

/** The window of one model version, allocated when that version is first seen with a reference. */
interface VersionWindow extends Reference {
  readonly version: string
  readonly baseRate: number
  /** Column c of ring slot s at bins[c * capacity + s] (column-major: binColumn bins one column at a time). */
  readonly bins: Uint8Array
  readonly probabilities: Float64Array
  /**
   * Customers per bin, all columns one after another (column.offset + bin), counted from the ring
   * when asked for (a report or a scrape), not per customer: keeping them current cost scoring as
   * much again as binning (read-modify-writes of a few counters stall the pipeline).
   */
  readonly counts: Int32Array
  /** Customers observed since the window started, and that number when counts were last made. */
  observed: number
  countedAt: number
  /** The last summary and `observed` when it was made: a scrape reads it once per gauge. */
  summarized: { readonly at: number, readonly summary: DriftSummary } | null
  /** Slots holding a customer (they fill from 0; once full, every slot does). */
  filled: number
  /** The slot the next customer goes to (the oldest one's, once full). */
  next: number
}

/** The version has no usable reference (its card predates drift monitoring). */
interface Unavailable { readonly version: string, readonly columns: null }

/** Bins are stored as bytes. */
const MAX_BINS = 256
/** Customers converted to values at a time: the scratch space stays small whatever DRIFT_WINDOW is. */
const CHUNK = 1024
/** The name of the counted column "review score missing" (never a customer field's name). */
const MISSING_REVIEW_SCORE = 'reviewScore (missing)'

/** The card's reference as counted columns, or null when it does not cover exactly the counted fields. */
function compile (reference: InputDistribution): Reference | null {
  const missing = reference.fields.find((d) => d.field === 'reviewScore')?.missing
  if (reference.fields.length !== COUNTED_FIELDS.length || missing === undefined) return null
  const distributions: FieldDistribution[] = []
  for (const name of COUNTED_FIELDS) {
    const f = reference.fields.find((d) => d.field === name)
    if (f === undefined || f.shares.length !== f.cuts.length + 1 || f.shares.length > MAX_BINS) return null
    distributions.push(f)
  }
  distributions.push({ field: MISSING_REVIEW_SCORE, cuts: [0], shares: [1 - missing.share, missing.share] })
  let offset = 0
  const columns = distributions.map((d) => {
    const column: CompiledField = { name: d.field, cuts: Float64Array.from(d.cuts), padded: padCuts(d.cuts), shares: d.shares, offset }
    offset += d.shares.length
    return column
  })
  return { columns, reviewScoreIfMissing: missing.binnedAs }
}

export class DriftWindow {
  readonly capacity: number
  private state: VersionWindow | Unavailable | null = null
  /** Column values of up to CHUNK customers (row-major), reused. */
  private readonly values = new Float64Array(CHUNK * COUNTED_COLUMNS)

  constructor (capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`drift window capacity must be a positive integer, got ${capacity}`)
    this.capacity = capacity
  }

  /**
   * Counts `customers`, scored by `result.modelVersion`, into the window of `current` (the version in
   * service). Results of another version (pinned with ?modelVersion=, or scored just before a swap)
   * are left out: they would mix two references. O(fields x cuts) per customer, no allocation.
   */
  observe (current: DriftModel, customers: readonly CustomerInputs[], result: { readonly modelVersion: string, readonly probabilities: ArrayLike<number> }): void {
    if (result.modelVersion !== current.version) return
    const state = this.windowOf(current)
    if (state.columns === null) return
    // Only the last `capacity` customers of a batch larger than the window can remain in it.
    let k = Math.max(0, customers.length - this.capacity)
    while (k < customers.length) {
      // A run of slots that does not wrap around the ring: its ring indexes are contiguous.
      const count = Math.min(CHUNK, customers.length - k, this.capacity - state.next)
      this.countRun(state, customers, result.probabilities, k, count)
      k += count
    }
  }

  /** The window of `current` against its training reference, or null when its card has none. */
  report (current: DriftModel): DriftReport | null {
    const state = this.windowOf(current)
    if (state.columns === null) return null
    const n = state.filled
    const counts = this.countsOf(state)
    const features: Record<string, FeatureDrift> = {}
    const missing = state.columns[COUNTED_FIELDS.length] as CompiledField
    for (const field of state.columns.slice(0, COUNTED_FIELDS.length)) {
      const windowShares = windowSharesOf(counts, n, field)
      const bins = field.shares.map((trainingShare, b) => ({
        lower: b === 0 ? null : field.cuts[b - 1] as number,
        upper: b === field.cuts.length ? null : field.cuts[b] as number,
        trainingShare,
        windowShare: windowShares[b] as number
      }))
      const drift: FeatureDrift = { psi: n === 0 ? null : populationStabilityIndex(field.shares, windowShares), bins }
      features[field.name] = field.name !== 'reviewScore'
        ? drift
        : { ...drift, missing: { trainingShare: missing.shares[1] as number, windowShare: windowSharesOf(counts, n, missing)[1] as number } }
    }
    return { modelVersion: state.version, window: n, capacity: this.capacity, baseRate: state.baseRate, meanProbability: meanOf(state), features }
  }

  /** PSI per field, mean probability and window size (for /metrics), or null when the card has no reference. */
  summary (current: DriftModel): DriftSummary | null {
    const state = this.windowOf(current)
    if (state.columns === null) return null
    if (state.summarized?.at === state.observed) return state.summarized.summary
    const n = state.filled
    const counts = this.countsOf(state)
    const psiByFeature: Record<string, number | null> = {}
    for (const field of state.columns.slice(0, COUNTED_FIELDS.length)) {
      psiByFeature[field.name] = n === 0 ? null : populationStabilityIndex(field.shares, windowSharesOf(counts, n, field))
    }
    const summary = { windowCustomers: n, meanProbability: meanOf(state), psiByFeature }
    state.summarized = { at: state.observed, summary }
    return summary
  }

  /** Counts customers[first .. first + count) into slots next .. next + count, which do not wrap. */
  private countRun (state: VersionWindow, customers: readonly CustomerInputs[], probabilities: ArrayLike<number>, first: number, count: number): void {
    const { columns, bins } = state
    const width = columns.length
    const values = this.values
    const start = state.next
    for (let k = 0; k < count; k++) {
      writeFieldValues(customers[first + k] as CustomerInputs, state.reviewScoreIfMissing, values, k * width)
      state.probabilities[start + k] = probabilities[first + k] as number
    }
    for (let c = 0; c < width; c++) {
      const column = columns[c] as CompiledField
      binColumn(column.cuts, column.padded, values, width, c, count, bins, c * this.capacity + start)
    }
    state.next = start + count === this.capacity ? 0 : start + count
    state.filled = Math.min(this.capacity, state.filled + count)
    state.observed += count
  }

  /** The window's customers per bin, counted from the ring unless nothing was observed since the last count. */
  private countsOf (state: VersionWindow): Int32Array {
    const { counts, bins, columns, filled } = state
    if (state.countedAt === state.observed) return counts
    counts.fill(0)
    for (let c = 0; c < columns.length; c++) {
      const offset = (columns[c] as CompiledField).offset
      const start = c * this.capacity
      // Slots fill from 0, so the first `filled` hold the window.
      for (let s = 0; s < filled; s++) counts[offset + (bins[start + s] as number)]! += 1
    }
    state.countedAt = state.observed
    return counts
  }

  /** The window of `current`, restarted empty (with its reference) when the version differs from the last one seen. */
  private windowOf (current: DriftModel): VersionWindow | Unavailable {
    if (this.state !== null && this.state.version === current.version) return this.state
    const reference = current.card.inputDistribution
    const compiled = reference === undefined ? null : compile(reference)
    if (compiled === null) {
      this.state = { version: current.version, columns: null }
      return this.state
    }
    const binCount = compiled.columns.reduce((sum, c) => sum + c.shares.length, 0)
    this.state = {
      ...compiled,
      version: current.version,
      baseRate: current.card.baseRate,
      bins: new Uint8Array(this.capacity * compiled.columns.length),
      probabilities: new Float64Array(this.capacity),
      counts: new Int32Array(binCount),
      observed: 0,
      countedAt: 0,
      summarized: null,
      filled: 0,
      next: 0
    }
    return this.state
  }
}

function windowSharesOf (counts: Int32Array, n: number, field: CompiledField): number[] {
  return field.shares.map((_, b) => (n === 0 ? 0 : (counts[field.offset + b] as number) / n))
}

function meanOf (state: VersionWindow): number | null {
  if (state.filled === 0) return null
  let sum = 0
  for (let i = 0; i < state.filled; i++) sum += state.probabilities[i] as number
  return sum / state.filled
}
