// The methods each path is served with, for the not-found handler's 405 + Allow. Fastify's hasRoute
// compares route templates, so a URL such as /v2/models/buy-again/infer matched no template with a
// parameter and a wrong method there was answered 404; here every template becomes a pattern that
// matches the URLs it serves.
import type { FastifyInstance } from 'fastify'

interface ServedRoute { readonly method: string, readonly pattern: RegExp }

/** A route template as a pattern: each `:name` segment stands for any one non-empty segment. */
export function templatePattern (template: string): RegExp {
  const source = template.split('/').map((segment) => segment.startsWith(':')
    ? '[^/]+'
    : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('/')
  // ignoreTrailingSlash is on: /model/ is /model.
  return new RegExp(`^${source}/?$`)
}

export interface RouteMethods {
  /** The methods other than `method` that `path` (no query string) is served with, in registration order. */
  readonly otherMethods: (path: string, method: string) => string[]
}

/** Records every route `app` registers from now on (call before registering routes). */
export function recordRouteMethods (app: FastifyInstance): RouteMethods {
  const routes: ServedRoute[] = []
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, pattern: templatePattern(route.url) })
  })
  return {
    otherMethods: (path, method) => {
      const found: string[] = []
      for (const route of routes) {
        if (route.method !== method && !found.includes(route.method) && route.pattern.test(path)) found.push(route.method)
      }
      return found
    }
  }
}
