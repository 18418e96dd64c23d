// Readiness of one app instance: starting -> ready (after warm-up) -> draining (shutdown began).
export type ReadinessState = 'starting' | 'ready' | 'draining'

export class Readiness {
  private current: ReadinessState = 'starting'

  get state (): ReadinessState {
    return this.current
  }

  markReady (): void {
    // Never back to ready once shutdown has begun.
    if (this.current === 'starting') this.current = 'ready'
  }

  markDraining (): void {
    this.current = 'draining'
  }
}
