// Prometheus metrics of one app instance (its own Registry: no global state, tests build many apps).
// Label values come from route templates and fixed sets only, never from URLs or customer data.
// The service's own families are named buy_again_*, so they sit apart in a shared Prometheus; the
// standard http_request_duration_seconds and prom-client's process_* / nodejs_* keep their names.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import { BulkHistogram, type HistogramSeries } from './bulk-histogram.js'

export const PROBABILITY_BUCKETS = [0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]
export const BATCH_SIZE_BUCKETS = [1, 10, 100, 500, 1000, 2500, 5000, 10_000, 25_000, 50_000, 100_000]

/** Drift figures of the current model version's window, asked at scrape time (see scoring/drift-window.ts). */
export interface DriftGaugeValues {
  readonly windowCustomers: number
  readonly meanProbability: number | null
  /** By customer field name (a closed set); null while the window is empty. */
  readonly psiByFeature: Readonly<Record<string, number | null>>
}

/** The answers Node's HTTP parser refusals get (parser-refusals.ts): malformed, request timeout, headers too large. */
export const PARSER_REFUSAL_STATUS_CODES = [400, 408, 431] as const
export type ParserRefusalStatusCode = typeof PARSER_REFUSAL_STATUS_CODES[number]

const LINT_FAILING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']

export class ServiceMetrics {
  readonly registry = new Registry()
  // The histograms are ours (bulk-histogram.ts): prom-client's cost 5 ms per 10,000-customer batch.
  private readonly requestDuration = new BulkHistogram({
    name: 'http_request_duration_seconds',
    help: 'Time from request received to response sent, by route template, method and status code.',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
  })

  private readonly predictions = new Counter({
    name: 'buy_again_predictions_total',
    help: "Customers scored, by decision at the model's threshold (will_buy: probability at or above the default threshold of the version that scored, whatever ?threshold= a caller passed) and by that model version.",
    labelNames: ['will_buy', 'model_version'] as const,
    registers: [this.registry]
  })

  private readonly probabilities = new BulkHistogram({
    name: 'buy_again_prediction_probability',
    help: 'Distribution of the predicted buy-again probabilities.',
    buckets: PROBABILITY_BUCKETS
  })

  private readonly batchSizes = new BulkHistogram({
    name: 'buy_again_prediction_batch_size',
    help: 'Customers per scoring request (1 for POST /predict).',
    buckets: BATCH_SIZE_BUCKETS
  })

  private readonly inputWarnings = new Counter({
    name: 'buy_again_input_warnings_total',
    help: 'Scored customers whose inputs were flagged, by field and warning code (OUT_OF_RANGE: outside the training range, clipped; INCONSISTENT: minutesListened vs completion x total length, or a non-reviewer sent with a score; UNSEEN_COMBINATION: listened and bought several books).',
    labelNames: ['field', 'code'] as const,
    registers: [this.registry]
  })

  // Node's parser answers these before Fastify sees a request: no route, no hooks, no duration sample.
  private readonly parserRefusals = new Counter({
    name: 'buy_again_http_refused_requests_total',
    help: "Requests Node's HTTP parser refused before any route ran (so absent from http_request_duration_seconds), by the status answered: 400 not valid HTTP, 408 not received within the request timeout, 431 headers too large.",
    labelNames: ['status_code'] as const,
    registers: [this.registry]
  })

  private readonly allProbabilities: HistogramSeries = this.probabilities.labels()
  private readonly allBatchSizes: HistogramSeries = this.batchSizes.labels()
  /** Children of buy_again_predictions_total per model version (versions are folders of the models root, a small set). */
  private readonly countersByVersion = new Map<string, { buyers: Counter.Internal, nonBuyers: Counter.Internal }>()

  /**
   * `modelVersion` and `reloads` are asked at every scrape: buy_again_model_info names the version in
   * service then, and buy_again_model_reloads_total counts the attempts to swap in a new current
   * version. `drift` too (null: the model's card has no training distribution, so no drift series are exposed).
   */
  constructor (
    modelVersion: () => string,
    reloads: () => Readonly<Record<'success' | 'failure', number>> = () => ({ success: 0, failure: 0 }),
    drift: () => DriftGaugeValues | null = () => null
  ) {
    collectDefaultMetrics({ register: this.registry })
    // prom-client names these gauges *_total, which promtool rejects (a suffix reserved for counters).
    for (const name of LINT_FAILING_DEFAULTS) this.registry.removeSingleMetric(name)
    // A closed set, exposed at 0 from the start so rate() sees the first refusal.
    for (const status of PARSER_REFUSAL_STATUS_CODES) this.parserRefusals.inc({ status_code: String(status) }, 0)
    this.registry.registerMetric(new Gauge({
      name: 'buy_again_model_info',
      help: 'The served model artefact; the value is always 1.',
      labelNames: ['version'] as const,
      registers: [],
      collect () {
        this.reset()
        this.set({ version: modelVersion() }, 1)
      }
    }))
    this.registry.registerMetric(new Counter({
      name: 'buy_again_model_reloads_total',
      help: 'Attempts to put the version models/CURRENT names in service (file watch or SIGHUP), by result; a failure leaves the previous version serving.',
      labelNames: ['result'] as const,
      registers: [],
      collect () {
        this.reset()
        const counts = reloads()
        this.inc({ result: 'success' }, counts.success)
        this.inc({ result: 'failure' }, counts.failure)
      }
    }))
    this.registerDriftGauges(drift)
  }

  /** Computed at scrape time from the window's summary (made once per scrape: the window reuses it until it observes more). */
  private registerDriftGauges (drift: () => DriftGaugeValues | null): void {
    this.registry.registerMetric(new Gauge({
      name: 'buy_again_drift_window_customers',
      help: 'Customers in the drift window: the last ones scored by the current model version (at most DRIFT_WINDOW; 0 when its card has no training distribution).',
      registers: [],
      collect () {
        this.set(drift()?.windowCustomers ?? 0)
      }
    }))
    this.registry.registerMetric(new Gauge({
      name: 'buy_again_drift_mean_probability',
      help: 'Mean reported probability over the drift window, to compare with the training base rate (GET /model/drift); NaN while the window is empty.',
      registers: [],
      collect () {
        // An unlabelled gauge always has a sample: NaN says "no customers" where 0 would read as a probability.
        this.set(drift()?.meanProbability ?? Number.NaN)
      }
    }))
    this.registry.registerMetric(new Gauge({
      name: 'buy_again_drift_psi',
      help: 'Population stability index of each customer field over the drift window against the training split (above 0.25: a major shift).',
      labelNames: ['feature'] as const,
      registers: [],
      collect () {
        this.reset()
        const values = drift()
        if (values === null) return
        for (const [feature, psi] of Object.entries(values.psiByFeature)) if (psi !== null) this.set({ feature }, psi)
      }
    }))
  }

  observeRequest (method: string, route: string, statusCode: number, seconds: number): void {
    this.requestDuration.labels(method, route, String(statusCode)).observe(seconds)
  }

  /**
   * Counts scored customers: `modelThreshold` is the scoring model's own threshold, not a caller's
   * ?threshold=, so the decision counts of one version stay comparable over time and between callers.
   */
  observePredictions (probabilities: ArrayLike<number>, modelThreshold: number, modelVersion: string): void {
    let buyers = 0
    let scored = 0
    for (let i = 0; i < probabilities.length; i++) {
      const p = probabilities[i] as number
      if (!(p >= 0 && p <= 1)) continue // never count a value that is not a probability
      this.allProbabilities.observe(p)
      scored++
      if (p >= modelThreshold) buyers++ // decideWillBuy's rule (scoring/reported-probability.ts)
    }
    this.allBatchSizes.observe(probabilities.length)
    let counters = this.countersByVersion.get(modelVersion)
    if (counters === undefined) {
      counters = {
        buyers: this.predictions.labels({ will_buy: 'true', model_version: modelVersion }),
        nonBuyers: this.predictions.labels({ will_buy: 'false', model_version: modelVersion })
      }
      this.countersByVersion.set(modelVersion, counters)
    }
    if (buyers > 0) counters.buyers.inc(buyers)
    if (scored - buyers > 0) counters.nonBuyers.inc(scored - buyers)
  }

  /** Counts one request Node's HTTP parser refused (parser-refusals.ts), by the status it was answered. */
  observeParserRefusal (statusCode: ParserRefusalStatusCode): void {
    this.parserRefusals.inc({ status_code: String(statusCode) })
  }

  /** Counts the warnings of scored customers (field names and codes are closed sets). */
  observeWarnings (predictions: ReadonlyArray<{ readonly warnings?: ReadonlyArray<{ readonly field: string, readonly code: string }> | undefined }>): void {
    // Tallied first, one increment per (field, code): a batch in cents warns on every customer, and
    // prom-client hashes the labels on every inc (about 0.3 us each: 5 ms for 20,000 warnings).
    let tally: Map<string, { field: string, code: string, count: number }> | null = null
    for (const prediction of predictions) {
      const warnings = prediction.warnings
      if (warnings === undefined) continue
      for (const w of warnings) {
        tally ??= new Map()
        const key = `${w.field} ${w.code}`
        const entry = tally.get(key)
        if (entry === undefined) tally.set(key, { field: w.field, code: w.code, count: 1 })
        else entry.count++
      }
    }
    for (const { field, code, count } of tally?.values() ?? []) this.inputWarnings.inc({ field, code }, count)
  }

  /** Everything, in the Prometheus text format: prom-client's registry, then our histograms. */
  async render (): Promise<string> {
    const histograms = [this.requestDuration, this.probabilities, this.batchSizes].map((h) => h.render()).join('\n\n')
    return `${await this.registry.metrics()}\n${histograms}\n`
  }
}
