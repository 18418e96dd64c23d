// The methods each path is served with, for the not-found handler's 405 + Allow. Fastify's hasRoute
// compares route templates, so a URL such as /v2/models/buy-again/infer matched no template with a
// parameter and a wrong method there was answered 404; here every template is matched against the
// URL segment by segment, as the router matches it.
import type { FastifyInstance } from 'fastify'

interface ServedRoute { readonly method: string, readonly segments: readonly string[] }

/** A URL path's segments, each percent-decoded as the router decodes it (/model%73 is /models); ignoreTrailingSlash is on. */
function segmentsOf (path: string): string[] {
  const segments = path.split('/')
  if (segments.length > 2 && segments.at(-1) === '') segments.pop()
  return segments.map((segment) => {
    try {
      return decodeURIComponent(segment)
    } catch {
      return segment
    }
  })
}

/** Whether a template's segments (`:name` any one non-empty segment, `*` the rest) serve a path's segments. */
export function templateServes (template: readonly string[], path: readonly string[]): boolean {
  for (let i = 0; i < template.length; i++) {
    const part = template[i] as string
    if (part === '*') return true
    const segment = path[i]
    if (segment === undefined) return false
    if (part.startsWith(':') ? segment === '' : part !== segment) return false
  }
  return template.length === path.length
}

export interface RouteMethods {
  /** The methods other than `method` that `path` (no query string) is served with, in registration order; none when `method` serves it too. */
  readonly otherMethods: (path: string, method: string) => string[]
}

/** Records every route `app` registers from now on (call before registering routes). */
export function recordRouteMethods (app: FastifyInstance): RouteMethods {
  const routes: ServedRoute[] = []
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, segments: route.url.split('/') })
  })
  return {
    otherMethods: (path, method) => {
      const segments = segmentsOf(path)
      const found: string[] = []
      for (const route of routes) {
        if (!templateServes(route.segments, segments)) continue
        // A route of this very method serves the path and sent it here itself (a file missing under
        // /docs/static/*): a plain 404, not a 405 naming methods that would fail alike.
        if (route.method === method) return []
        if (!found.includes(route.method)) found.push(route.method)
      }
      return found
    }
  }
}
