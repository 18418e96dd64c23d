// What every scoring route records once customers are scored: the prediction metrics (at the model's
// threshold, by version), the warnings, and the drift window of the version in service. One function,
// so the REST routes and the Open Inference Protocol routes cannot record different things.
import type { Customer } from '../domain/customer.js'
import type { ModelVersions } from '../model/model-versions.js'
import type { ServiceMetrics } from '../observability/service-metrics.js'
import type { DriftWindow } from '../scoring/drift-window.js'
import type { ScoringResult } from '../scoring/score-customers.js'

export type ScoredObserver = (customers: readonly Customer[], result: ScoringResult) => void

export function scoredObserver (metrics: ServiceMetrics, drift: DriftWindow, versions: ModelVersions): ScoredObserver {
  return (customers, result) => {
    metrics.observePredictions(result.probabilities, result.modelThreshold, result.modelVersion)
    metrics.observeWarnings(result.predictions)
    // Counted only when scored by the version in service (not a pinned one).
    drift.observe(versions.current.current(), customers, result)
  }
}
