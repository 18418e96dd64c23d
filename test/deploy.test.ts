// deploy/kubernetes/*.yaml and the Dockerfile checked against the real app and config: probe, health-check
// and scrape paths are GET routes that behave as probes must, ports agree, env names and values are
// what loadConfig reads, shutdown fits in the grace period. Every check also runs on a broken copy,
// so each one is seen to fail.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { ENV_DEFAULTS, loadConfig, type Config } from '../src/config.js'
import { buildTestApp } from './helpers/app.js'
import { committedStubModel } from './helpers/stub-model.js'

interface Probe { httpGet?: { path?: string, port?: number | string } }
interface EnvVar { name: string, value?: string, valueFrom?: { secretKeyRef?: { name: string, key: string, optional?: boolean } } }
interface Container {
  name: string
  ports?: Array<{ name?: string, containerPort: number }>
  env?: EnvVar[]
  startupProbe?: Probe
  readinessProbe?: Probe
  livenessProbe?: Probe
  resources?: { requests?: Record<string, string>, limits?: Record<string, string> }
  securityContext?: {
    readOnlyRootFilesystem?: boolean
    allowPrivilegeEscalation?: boolean
    runAsNonRoot?: boolean
    capabilities?: { drop?: string[] }
  }
}
interface Deployment {
  apiVersion: string
  kind: string
  metadata: { name: string }
  spec: {
    selector: { matchLabels: Record<string, string> }
    template: {
      metadata: { labels: Record<string, string>, annotations?: Record<string, string> }
      spec: {
        terminationGracePeriodSeconds?: number
        securityContext?: { runAsNonRoot?: boolean, runAsUser?: number }
        containers: Container[]
      }
    }
  }
}
interface Service {
  apiVersion: string
  kind: string
  spec: { selector: Record<string, string>, ports: Array<{ name?: string, port: number, targetPort?: number | string }> }
}
interface Hpa {
  apiVersion: string
  kind: string
  spec: {
    scaleTargetRef: { apiVersion: string, kind: string, name: string }
    minReplicas?: number
    maxReplicas: number
    metrics: Array<{ type: string, resource?: { name: string, target: { type: string, averageUtilization?: number } } }>
  }
}
interface Pdb { apiVersion: string, kind: string, spec: { selector: { matchLabels: Record<string, string> } } }
interface Manifests { deployment: Deployment, service: Service, hpa: Hpa, pdb: Pdb, dockerfile: string }

const ROOT = new URL('../', import.meta.url)
const readText = (path: string): string => readFileSync(new URL(path, ROOT), 'utf8')
const readYaml = <T>(path: string): T => parseYaml(readText(path)) as T

const committed: Manifests = {
  deployment: readYaml<Deployment>('deploy/kubernetes/deployment.yaml'),
  service: readYaml<Service>('deploy/kubernetes/service.yaml'),
  hpa: readYaml<Hpa>('deploy/kubernetes/hpa.yaml'),
  pdb: readYaml<Pdb>('deploy/kubernetes/pdb.yaml'),
  dockerfile: readText('Dockerfile')
}

const predictor = committedStubModel()
const app = await buildTestApp(predictor)
after(async () => { await app.close() })
const isGetRoute = (path: string): boolean => app.hasRoute({ method: 'GET', url: path })

// --- reading the manifests ---

function container (m: Manifests): Container {
  const containers = m.deployment.spec.template.spec.containers
  assert.equal(containers.length, 1, 'the Deployment has one container')
  return containers[0] as Container
}

/** The Deployment's literal env values (valueFrom entries are Secrets, unknown here). */
function envValues (m: Manifests): Record<string, string> {
  return Object.fromEntries((container(m).env ?? []).flatMap((v) => v.value === undefined ? [] : [[v.name, v.value]]))
}

function deployedConfig (m: Manifests): Config {
  return loadConfig(envValues(m))
}

function httpPort (m: Manifests): number | undefined {
  return container(m).ports?.find((p) => p.name === 'http')?.containerPort
}

const PROBES = ['startupProbe', 'readinessProbe', 'livenessProbe'] as const

function probes (m: Manifests): Array<[string, string | undefined]> {
  return PROBES.map((name) => [name, container(m)[name]?.httpGet?.path])
}

/** Dockerfile instructions with continuation lines joined and comments dropped: [keyword, arguments]. */
function dockerInstructions (dockerfile: string): Array<[string, string]> {
  return dockerfile.replace(/\\\r?\n/g, ' ').split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line): [string, string] => {
      const space = line.search(/\s/)
      return space < 0 ? [line.toUpperCase(), ''] : [line.slice(0, space).toUpperCase(), line.slice(space).trim()]
    })
}

function dockerArgs (dockerfile: string, keyword: string): string[] {
  return dockerInstructions(dockerfile).filter(([k]) => k === keyword).map(([, args]) => args)
}

/** The URL the HEALTHCHECK fetches: `http://127.0.0.1:${PORT:-<default>}<path>`. */
function healthcheckTarget (dockerfile: string): { defaultPort: string, path: string } | null {
  const match = /http:\/\/127\.0\.0\.1:\$\{PORT:-(\d+)\}(\/[\w./-]*)/.exec(dockerArgs(dockerfile, 'HEALTHCHECK').join(' '))
  return match === null ? null : { defaultPort: match[1] as string, path: match[2] as string }
}

// --- the checks: each returns the problems it finds ---

function routeProblems (m: Manifests): string[] {
  const problems: string[] = []
  for (const [name, path] of probes(m)) {
    if (path === undefined) problems.push(`${name} has no httpGet path`)
    else if (!isGetRoute(path)) problems.push(`${name} path ${path} is not a GET route`)
  }
  const annotations = m.deployment.spec.template.metadata.annotations ?? {}
  if (annotations['prometheus.io/scrape'] !== 'true') problems.push('prometheus.io/scrape is not "true"')
  const scrapePath = annotations['prometheus.io/path']
  if (scrapePath === undefined || !isGetRoute(scrapePath)) problems.push(`prometheus.io/path ${String(scrapePath)} is not a GET route`)
  const health = healthcheckTarget(m.dockerfile)
  if (health === null) problems.push('the Dockerfile HEALTHCHECK fetches no http://127.0.0.1:<PORT>/<path> URL')
  else if (health.path !== container(m).readinessProbe?.httpGet?.path) problems.push(`the Dockerfile HEALTHCHECK path ${health.path} is not the readiness probe path`)
  return problems
}

function portProblems (m: Manifests): string[] {
  const problems: string[] = []
  const port = httpPort(m)
  if (port === undefined) return ['the container has no port named http']
  const portEnv = envValues(m).PORT ?? ENV_DEFAULTS.PORT
  if (portEnv !== String(port)) problems.push(`PORT is ${portEnv} but containerPort is ${port}`)
  for (const name of PROBES) {
    const probePort = container(m)[name]?.httpGet?.port
    if (probePort !== 'http' && probePort !== port) problems.push(`${name} port ${String(probePort)} is not the http port ${port}`)
  }
  for (const servicePort of m.service.spec.ports) {
    const target = servicePort.targetPort ?? servicePort.port
    const resolved = typeof target === 'string' ? container(m).ports?.find((p) => p.name === target)?.containerPort : target
    if (resolved !== port) problems.push(`Service targetPort ${String(target)} does not reach containerPort ${port}`)
  }
  const annotated = m.deployment.spec.template.metadata.annotations?.['prometheus.io/port']
  if (annotated !== String(port)) problems.push(`prometheus.io/port ${String(annotated)} is not containerPort ${port}`)
  const exposed = dockerArgs(m.dockerfile, 'EXPOSE').flatMap((args) => args.split(/\s+/)).map((p) => p.replace(/\/tcp$/, ''))
  if (!exposed.includes(String(port))) problems.push(`the Dockerfile EXPOSEs ${exposed.join(', ') || 'nothing'}, not ${port}`)
  const health = healthcheckTarget(m.dockerfile)
  if (health !== null && health.defaultPort !== ENV_DEFAULTS.PORT) problems.push(`the HEALTHCHECK falls back to port ${health.defaultPort}, the server to ${ENV_DEFAULTS.PORT}`)
  return problems
}

function envProblems (m: Manifests): string[] {
  const problems: string[] = []
  const seen = new Set<string>()
  for (const v of container(m).env ?? []) {
    if (!Object.hasOwn(ENV_DEFAULTS, v.name)) problems.push(`env ${v.name} is not read by the server (not in ENV_DEFAULTS)`)
    if (seen.has(v.name)) problems.push(`env ${v.name} is set twice`)
    seen.add(v.name)
    if ((v.value === undefined) === (v.valueFrom === undefined)) problems.push(`env ${v.name} needs exactly one of value and valueFrom`)
    if (v.valueFrom !== undefined && v.valueFrom.secretKeyRef?.optional !== true) problems.push(`env ${v.name} comes from a Secret that is not optional: pods would not start without it`)
  }
  try {
    deployedConfig(m)
  } catch (err) {
    problems.push(`loadConfig rejects the Deployment's env: ${(err as Error).message}`)
  }
  return problems
}

function shutdownProblems (m: Manifests): string[] {
  const problems: string[] = []
  const config = deployedConfig(m)
  const graceMs = (m.deployment.spec.template.spec.terminationGracePeriodSeconds ?? 30) * 1000
  if (graceMs <= config.shutdownDelayMs + config.shutdownTimeoutMs) {
    problems.push(`terminationGracePeriodSeconds (${graceMs} ms) must exceed SHUTDOWN_DELAY_MS + SHUTDOWN_TIMEOUT_MS (${config.shutdownDelayMs} + ${config.shutdownTimeoutMs} ms)`)
  }
  if (config.shutdownDelayMs === 0) problems.push('SHUTDOWN_DELAY_MS is 0: the listener closes before endpoints stop routing to the pod')
  const cmd = dockerArgs(m.dockerfile, 'CMD').at(-1)
  let argv: unknown = null
  try { argv = JSON.parse(cmd ?? 'null') } catch { /* shell form: reported below */ }
  if (!Array.isArray(argv) || argv[0] !== 'node') problems.push(`the Dockerfile CMD ${String(cmd)} does not exec node directly, so SIGTERM would not reach the server`)
  return problems
}

function securityProblems (m: Manifests): string[] {
  const problems: string[] = []
  const pod = m.deployment.spec.template.spec.securityContext ?? {}
  const sc = container(m).securityContext ?? {}
  if (pod.runAsNonRoot !== true && sc.runAsNonRoot !== true) problems.push('runAsNonRoot is not set')
  if (sc.readOnlyRootFilesystem !== true) problems.push('readOnlyRootFilesystem is not true')
  if (sc.allowPrivilegeEscalation !== false) problems.push('allowPrivilegeEscalation is not false')
  if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push('capabilities do not drop ALL')
  const user = dockerArgs(m.dockerfile, 'USER').at(-1) ?? ''
  // runAsNonRoot can only verify a numeric user; a name makes the kubelet refuse to start the pod.
  if (!/^[1-9]\d*(:\d+)?$/.test(user)) problems.push(`the Dockerfile USER "${user}" is not a numeric non-root user`)
  return problems
}

function scalingProblems (m: Manifests): string[] {
  const problems: string[] = []
  const labels = m.deployment.spec.template.metadata.labels
  const selects = (selector: Record<string, string>): boolean => Object.entries(selector).every(([k, v]) => labels[k] === v)
  if (!selects(m.deployment.spec.selector.matchLabels)) problems.push('the Deployment selector does not match its pod labels')
  if (!selects(m.service.spec.selector)) problems.push('the Service selector does not match the pod labels')
  if (m.pdb.apiVersion !== 'policy/v1' || !selects(m.pdb.spec.selector.matchLabels)) problems.push('the PodDisruptionBudget is not policy/v1 selecting the pods')
  const target = m.hpa.spec.scaleTargetRef
  if (m.hpa.apiVersion !== 'autoscaling/v2' || target.kind !== 'Deployment' || target.name !== m.deployment.metadata.name) {
    problems.push('the HPA is not autoscaling/v2 targeting the Deployment')
  }
  const cpu = m.hpa.spec.metrics.find((metric) => metric.type === 'Resource' && metric.resource?.name === 'cpu')
  if (cpu?.resource?.target.type !== 'Utilization') problems.push('the HPA has no CPU utilization metric')
  // Utilization is a share of the request: without a CPU request the HPA cannot compute it.
  if (container(m).resources?.requests?.cpu === undefined) problems.push('the container has no CPU request for the HPA to measure against')
  if ((m.hpa.spec.minReplicas ?? 1) > m.hpa.spec.maxReplicas) problems.push('the HPA minReplicas exceeds maxReplicas')
  return problems
}

// --- the committed files pass every check ---

const CHECKS = { routeProblems, portProblems, envProblems, shutdownProblems, securityProblems, scalingProblems }

for (const [name, check] of Object.entries(CHECKS)) {
  test(`deploy manifests - ${name} on the committed files - none`, () => {
    assert.deepEqual(check(committed), [])
  })
}

// --- and each check fails on a broken copy ---

function broken (edit: (m: Manifests) => void): Manifests {
  const copy = structuredClone(committed)
  edit(copy)
  return copy
}

function envVar (m: Manifests, name: string): EnvVar {
  const found = container(m).env?.find((v) => v.name === name)
  assert.ok(found !== undefined, `the Deployment sets ${name}`)
  return found
}

const BREAKAGES: Array<[string, (m: Manifests) => string[], (m: Manifests) => void, RegExp]> = [
  ['readiness probe on a missing route', routeProblems, (m) => { (container(m).readinessProbe as Required<Probe>).httpGet.path = '/healthz' }, /readinessProbe path \/healthz is not a GET route/],
  ['scrape path on a missing route', routeProblems, (m) => { (m.deployment.spec.template.metadata.annotations as Record<string, string>)['prometheus.io/path'] = '/prometheus' }, /prometheus\.io\/path \/prometheus/],
  ['HEALTHCHECK on the liveness path', routeProblems, (m) => { m.dockerfile = m.dockerfile.replace('/health/ready', '/health/live') }, /HEALTHCHECK path \/health\/live/],
  ['PORT differs from containerPort', portProblems, (m) => { envVar(m, 'PORT').value = '8080' }, /PORT is 8080 but containerPort is 3000/],
  ['Service targetPort names no port', portProblems, (m) => { (m.service.spec.ports[0] as { targetPort?: string }).targetPort = 'web' }, /Service targetPort web/],
  ['Dockerfile exposes another port', portProblems, (m) => { m.dockerfile = m.dockerfile.replace(/^EXPOSE .*$/m, 'EXPOSE 8080') }, /EXPOSEs 8080, not 3000/],
  ['an env name the server does not read', envProblems, (m) => { container(m).env?.push({ name: 'NODE_OPTIONS', value: '--max-old-space-size=256' }) }, /NODE_OPTIONS is not read by the server/],
  ['an env value loadConfig rejects', envProblems, (m) => { envVar(m, 'LOG_LEVEL').value = 'verbose' }, /loadConfig rejects .*LOG_LEVEL/],
  ['a grace period shorter than the shutdown', shutdownProblems, (m) => { m.deployment.spec.template.spec.terminationGracePeriodSeconds = 13 }, /terminationGracePeriodSeconds \(13000 ms\) must exceed/],
  ['no drain delay', shutdownProblems, (m) => { envVar(m, 'SHUTDOWN_DELAY_MS').value = '0' }, /SHUTDOWN_DELAY_MS is 0/],
  ['npm as the container command', shutdownProblems, (m) => { m.dockerfile = m.dockerfile.replace(/^CMD .*$/m, 'CMD ["npm", "start"]') }, /does not exec node directly/],
  ['a writable root filesystem', securityProblems, (m) => { delete container(m).securityContext?.readOnlyRootFilesystem }, /readOnlyRootFilesystem is not true/],
  ['a named Dockerfile user', securityProblems, (m) => { m.dockerfile = m.dockerfile.replace(/^USER .*$/m, 'USER node') }, /USER "node" is not a numeric/],
  ['an HPA aimed elsewhere', scalingProblems, (m) => { m.hpa.spec.scaleTargetRef.name = 'other' }, /HPA is not autoscaling\/v2 targeting the Deployment/],
  ['no CPU request', scalingProblems, (m) => { delete container(m).resources?.requests?.cpu }, /no CPU request/],
  ['a Service selecting other pods', scalingProblems, (m) => { m.service.spec.selector = { app: 'other' } }, /Service selector/]
]

for (const [scenario, check, edit, expected] of BREAKAGES) {
  test(`deploy manifests - ${check.name} with ${scenario} - reported`, () => {
    const problems = check(broken(edit))
    assert.ok(problems.some((p) => expected.test(p)), `expected a problem matching ${expected}, got ${JSON.stringify(problems)}`)
  })
}

// --- the probe and scrape paths behave as probes must, on an app configured as deployed ---

test('deploy probes - app with the Deployment env - readiness 503 starting and draining, liveness 200 throughout', async () => {
  const deployed = await buildTestApp(predictor, { ...envValues(committed), LOG_LEVEL: 'silent' })
  try {
    const c = container(committed)
    const status = async (path: string | undefined): Promise<number> => {
      assert.ok(path !== undefined)
      return (await deployed.inject({ method: 'GET', url: path })).statusCode
    }
    const ready = c.readinessProbe?.httpGet?.path
    const startup = c.startupProbe?.httpGet?.path
    const live = c.livenessProbe?.httpGet?.path
    const health = healthcheckTarget(committed.dockerfile)?.path
    assert.deepEqual([await status(ready), await status(startup), await status(health), await status(live)], [503, 503, 503, 200], 'starting')
    deployed.readiness.markReady()
    assert.deepEqual([await status(ready), await status(startup), await status(health), await status(live)], [200, 200, 200, 200], 'ready')
    deployed.readiness.markDraining()
    // A liveness probe that failed while draining would restart pods during every rollout.
    assert.deepEqual([await status(ready), await status(live)], [503, 200], 'draining')
  } finally {
    await deployed.close()
  }
})

test('deploy scrape annotation - GET the path - 200 Prometheus text with model_info', async () => {
  const path = committed.deployment.spec.template.metadata.annotations?.['prometheus.io/path']
  assert.ok(path !== undefined)
  const response = await app.inject({ method: 'GET', url: path })
  assert.equal(response.statusCode, 200)
  assert.match(String(response.headers['content-type']), /^text\/plain/)
  assert.match(response.body, /^model_info\{version="[^"]+"\} 1$/m)
})
