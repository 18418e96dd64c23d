// The drain that app.close() runs before Fastify closes the server and the onClose hooks: readiness
// turns 503, the load balancer gets SHUTDOWN_DELAY_MS to stop sending, then the listener closes and
// every answer in flight is written whole before the last connection goes.
import type { IncomingMessage, ServerResponse } from 'node:http'
import net, { type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'

/** How often connections are checked while draining. */
const SWEEP_INTERVAL_MS = 25
/** How long a connection we ended gets to close its side before it is destroyed. */
const FIN_GRACE_MS = 1000

export interface GracefulCloseOptions {
  /** Pause between readiness turning 503 and closing the listener (SHUTDOWN_DELAY_MS). */
  readonly shutdownDelayMs: number
}

/**
 * Adds the drain to app.close() as a preClose hook, which Fastify runs before its own server.close
 * (http.Server's: that one would destroy idle keep-alive connections at once, see below) and before
 * the onClose hooks. Call once, before the app is ready; needs app.readiness.
 */
export function useGracefulClose (app: FastifyInstance, options: GracefulCloseOptions): void {
  // Open sockets and the ones answering a request right now.
  const sockets = new Set<Socket>()
  const busy = new Set<Socket>()
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => { sockets.delete(socket); busy.delete(socket) })
  })
  app.server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    busy.add(request.socket)
    response.once('close', () => busy.delete(request.socket))
  })

  /** Ends connections as they fall idle; resolves once none is left. */
  const drainConnections = async (): Promise<void> => await new Promise((resolve) => {
    const ended = new WeakSet<Socket>()
    const sweep = (): void => {
      for (const socket of sockets) {
        // Between requests with nothing left to write: FIN now, and destroy only if the client
        // has not closed its side a second later (all our bytes are out by then).
        if (busy.has(socket) || socket.writableLength > 0 || ended.has(socket)) continue
        ended.add(socket)
        socket.end()
        setTimeout(() => socket.destroy(), FIN_GRACE_MS).unref()
      }
      if (sockets.size > 0) return
      clearInterval(sweeper)
      resolve()
    }
    const sweeper = setInterval(sweep, SWEEP_INTERVAL_MS)
    sweep()
  })

  app.addHook('preClose', async () => {
    // The delay is for a load balancer that saw this pod ready; one that never did routes nothing
    // here (a failed warm-up, a signal during start-up), so the listener may close at once.
    const wasReady = app.readiness.state === 'ready'
    app.readiness.markDraining()
    if (!app.server.listening) return
    if (wasReady) await sleep(options.shutdownDelayMs)
    // setImmediate runs after the event loop's I/O phase: requests whose bytes already arrived are
    // parsed first, so closing idle keep-alive connections cannot drop them (a busy loop can make
    // the delay timer fire before that data is read).
    await new Promise((resolve) => setImmediate(resolve))
    // Stop accepting connections. net.Server's close, not http.Server's: the latter also destroys
    // every connection between requests, which cuts off a large answer still being flushed. Fastify
    // calls http.Server's close after this hook, on a server with no connections left (it tolerates
    // ERR_SERVER_NOT_RUNNING), which also stops Node's request-timeout checks.
    net.Server.prototype.close.call(app.server)
    await drainConnections()
  })
}
