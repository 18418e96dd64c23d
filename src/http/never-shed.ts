// Route config for the routes load shedding must never answer 503: the probes (a busy server is still
// alive and ready; a kubelet must not restart it for being busy) and /metrics (scraped to see the load).
// @fastify/under-pressure takes a per-route pressureHandler and lets the request through when that
// handler sends nothing.
export const NEVER_SHED = { pressureHandler: (): undefined => undefined }
