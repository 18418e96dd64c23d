// Reading the rest of a body over BODY_LIMIT_BYTES before its 413 goes out. The 413 closes the
// connection; closed while the client is still writing, the kernel resets it, and a client that
// writes its whole body before reading (Node's fetch and http.request) gets EPIPE, never the answer
// or its request id. Discarding the rest first lets the client finish writing and read the 413.
// The 413 waits for the draining rather than going out first: Node closes the socket as soon as an
// answer with `Connection: close` is sent, and keeping it open past that would need Node's internals.
// Both budgets bound what a client can make the server do with a body it will refuse anyway.
import type { IncomingMessage } from 'node:http'
import type { Config } from '../config.js'

/** Bodies up to this many times BODY_LIMIT_BYTES are read to their end before the 413; larger ones are cut. */
export const DRAIN_BODY_LIMIT_FACTOR = 4
/** Longest wait for the rest of the body (nginx's lingering_timeout for the same problem is also 5 s). */
export const DRAIN_MAX_MS = 5000

/**
 * The wait for the rest of the body: DRAIN_MAX_MS, but at most half of REQUEST_TIMEOUT_MS, so that
 * the 413 goes out before Node's own deadline would answer the same slow body with a 408.
 */
export function drainMaxMs (requestTimeoutMs: number): number {
  return requestTimeoutMs > 0 ? Math.min(DRAIN_MAX_MS, requestTimeoutMs / 2) : DRAIN_MAX_MS
}

/** Why the draining stopped: the body ended, or a budget ran out (the client may then see a reset). */
export type DrainOutcome = 'ended' | 'too-large' | 'timed-out' | 'aborted'

export interface DrainResult {
  readonly outcome: DrainOutcome
  readonly drainedBytes: number
}

/**
 * Reads and discards the rest of `request`'s body; resolves when it ends, when more than
 * DRAIN_BODY_LIMIT_FACTOR x BODY_LIMIT_BYTES would have to be read (decided at once from a declared
 * Content-Length), after drainMaxMs(REQUEST_TIMEOUT_MS), or when the client goes away.
 */
export async function drainOversizedBody (request: IncomingMessage, config: Pick<Config, 'bodyLimitBytes' | 'requestTimeoutMs'>): Promise<DrainResult> {
  const budgetBytes = DRAIN_BODY_LIMIT_FACTOR * config.bodyLimitBytes
  if (request.complete || request.readableEnded) return { outcome: 'ended', drainedBytes: 0 }
  if (Number(request.headers['content-length']) > budgetBytes) return { outcome: 'too-large', drainedBytes: 0 }
  return await new Promise<DrainResult>((resolve) => {
    let drainedBytes = 0
    const stop = (outcome: DrainOutcome): void => {
      clearTimeout(timer)
      request.off('data', onData)
      request.off('end', onEnd)
      request.off('error', onAborted)
      request.off('close', onAborted)
      resolve({ outcome, drainedBytes })
    }
    const onData = (chunk: Buffer): void => {
      drainedBytes += chunk.length
      if (drainedBytes > budgetBytes) stop('too-large')
    }
    const onEnd = (): void => { stop('ended') }
    const onAborted = (): void => { stop(request.complete ? 'ended' : 'aborted') }
    const timer = setTimeout(() => { stop('timed-out') }, drainMaxMs(config.requestTimeoutMs))
    request.on('data', onData)
    request.once('end', onEnd)
    request.once('error', onAborted)
    request.once('close', onAborted)
    // A body refused from its Content-Length was never read (the stream is paused): start it.
    request.resume()
  })
}
