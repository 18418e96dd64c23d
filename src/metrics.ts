// Prometheus metrics of one app instance (its own Registry: no global state, tests build many apps).
// Label values come from route templates and fixed sets only, never from URLs or customer data.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export const PROBABILITY_BUCKETS = [0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]
export const BATCH_SIZE_BUCKETS = [1, 10, 100, 500, 1000, 2500, 5000, 10_000, 25_000, 50_000, 100_000]

const LINT_FAILING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']

export class ServiceMetrics {
  readonly registry = new Registry()
  private readonly requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from request received to response sent, by route template, method and status code.',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry]
  })

  private readonly predictions = new Counter({
    name: 'predictions_total',
    help: 'Customers scored, by decision (willBuy true or false).',
    labelNames: ['will_buy'] as const,
    registers: [this.registry]
  })

  private readonly probabilities = new Histogram({
    name: 'prediction_probability',
    help: 'Distribution of the predicted buy-again probabilities.',
    buckets: PROBABILITY_BUCKETS,
    registers: [this.registry]
  })

  private readonly batchSizes = new Histogram({
    name: 'prediction_batch_size',
    help: 'Customers per scoring request (1 for POST /predict).',
    buckets: BATCH_SIZE_BUCKETS,
    registers: [this.registry]
  })

  constructor (modelVersion: string) {
    collectDefaultMetrics({ register: this.registry })
    // prom-client names these gauges *_total, which promtool rejects (a suffix reserved for counters).
    for (const name of LINT_FAILING_DEFAULTS) this.registry.removeSingleMetric(name)
    new Gauge({
      name: 'model_info',
      help: 'The served model artefact; the value is always 1.',
      labelNames: ['version'] as const,
      registers: [this.registry]
    }).set({ version: modelVersion }, 1)
  }

  observeRequest (method: string, route: string, statusCode: number, seconds: number): void {
    this.requestDuration.observe({ method, route, status_code: String(statusCode) }, seconds)
  }

  observePredictions (probabilities: Float32Array, threshold: number): void {
    let buyers = 0
    for (let i = 0; i < probabilities.length; i++) {
      const p = probabilities[i] as number
      if (!Number.isFinite(p)) continue // never let a metric throw inside a request
      this.probabilities.observe(p)
      if (p >= threshold) buyers++
    }
    this.batchSizes.observe(probabilities.length)
    if (buyers > 0) this.predictions.inc({ will_buy: 'true' }, buyers)
    if (probabilities.length - buyers > 0) this.predictions.inc({ will_buy: 'false' }, probabilities.length - buyers)
  }
}
