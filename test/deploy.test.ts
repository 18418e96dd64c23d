// deploy/kubernetes/*.yaml, deploy/kserve/inferenceservice.yaml and the Dockerfile checked against the
// real app and config: probe, health-check and scrape paths are GET routes that behave as probes must,
// ports agree, env names and values are what loadConfig reads, shutdown fits in the grace period, no
// HPA-scaled Deployment pins its replicas, the InferenceService runs the Deployment's container as an
// Open Inference Protocol v2 predictor, and every object under deploy/ validates against the Kubernetes
// API schemas (kubernetes-models; the InferenceService, a KServe CRD kubernetes-models lacks, by a
// structural check whose pod part those schemas validate), and the batch scoring Job shards its pods as
// the scorer's --shard flag reads them and runs them as the Deployment's. Every check also runs on a
// broken copy, so each one is seen to fail.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { isDeepStrictEqual } from 'node:util'
import ts from 'typescript'
import { parseAllDocuments } from 'yaml'
import { Job as JobModel } from 'kubernetes-models/batch/v1/Job'
import { Deployment as DeploymentModel } from 'kubernetes-models/apps/v1/Deployment'
import { HorizontalPodAutoscaler as HpaModel } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler'
import { PodDisruptionBudget as PdbModel } from 'kubernetes-models/policy/v1/PodDisruptionBudget'
import { Service as ServiceModel } from 'kubernetes-models/v1/Service'
import { PodSpec as PodSpecModel } from 'kubernetes-models/v1/PodSpec'
import { DeploymentStrategy as DeploymentStrategyModel } from 'kubernetes-models/apps/v1/DeploymentStrategy'
import { ENV_DEFAULTS, loadConfig, type Config } from '../src/config.js'
import { OIP_MODEL_NAME } from '../src/http/oip-request-checks.js'
import { parseScoreArgs } from '../scripts/score.js'
import { buildTestApp } from './helpers/app.js'
import { committedStubModel } from './helpers/stub-model.js'

interface Probe { httpGet?: { path?: string, port?: number | string } }
interface EnvVar { name: string, value?: string, valueFrom?: { secretKeyRef?: { name: string, key: string, optional?: boolean }, fieldRef?: { fieldPath: string } } }
interface VolumeMount { name: string, mountPath: string, subPath?: string, readOnly?: boolean }
interface Container {
  name: string
  image?: string
  command?: string[]
  args?: string[]
  volumeMounts?: VolumeMount[]
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
    replicas?: number
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
interface PodFailureRule {
  action: string
  onExitCodes?: { containerName?: string, operator: string, values: number[] }
  onPodConditions?: Array<{ type: string }>
}
interface Job {
  apiVersion: string
  kind: string
  metadata: { name: string }
  spec: {
    completionMode?: string
    completions?: number
    parallelism?: number
    podFailurePolicy?: { rules: PodFailureRule[] }
    template: {
      metadata?: { labels?: Record<string, string> }
      spec: {
        restartPolicy?: string
        securityContext?: { runAsNonRoot?: boolean, runAsUser?: number, fsGroup?: number }
        containers: Container[]
        volumes?: Array<{ name: string, persistentVolumeClaim?: { claimName: string } }>
      }
    }
  }
}
/** A KServe InferenceService with a custom predictor: KServe's PredictorSpec is a PodSpec plus its own fields. */
interface InferenceService {
  apiVersion: string
  kind: string
  metadata: { name: string, labels?: Record<string, string>, annotations?: Record<string, string> }
  spec: { predictor: Predictor }
}
interface Predictor {
  minReplicas?: number
  maxReplicas?: number
  scaleMetric?: string
  scaleTarget?: number
  deploymentStrategy?: unknown
  labels?: Record<string, string>
  annotations?: Record<string, string>
  terminationGracePeriodSeconds?: number
  securityContext?: unknown
  containers: Container[]
  [field: string]: unknown
}
/** One YAML document of a manifest file: `where` is `<path>#<document number, from 1>`. */
interface ManifestDocument { where: string, object: unknown }
/** The fields of any Kubernetes object the cross-object checks read. */
interface KubeObject {
  apiVersion: string
  kind: string
  metadata?: { name?: string, namespace?: string }
  spec?: { replicas?: unknown, scaleTargetRef?: { kind?: string, name?: string } }
}
/**
 * deployment, service, hpa and pdb are the objects of deploy/kubernetes/<name>.yaml and also appear in
 * documents (every document under deploy/): the same objects, so an edit through one shows in the other
 * (structuredClone keeps shared references shared).
 */
interface Manifests { deployment: Deployment, service: Service, hpa: Hpa, pdb: Pdb, inferenceService: InferenceService, scoreJob: Job, documents: ManifestDocument[], dockerfile: string }

const ROOT = new URL('../', import.meta.url)
const readText = (path: string): string => readFileSync(new URL(path, ROOT), 'utf8')

// Directories under deploy/ whose YAML is not Kubernetes objects: Prometheus rule files and their promtool tests.
const NOT_KUBERNETES = ['deploy/prometheus/']

/** Every .yaml/.yml file under deploy/ holding Kubernetes objects, as paths from the repository root, sorted. */
function kubernetesYamlFiles (): string[] {
  return readdirSync(new URL('deploy/', ROOT), { recursive: true, encoding: 'utf8' })
    .map((relative) => `deploy/${relative.split('\\').join('/')}`)
    .filter((path) => /\.ya?ml$/.test(path) && !NOT_KUBERNETES.some((dir) => path.startsWith(dir)))
    .sort()
}

/** Every document of a YAML text (empty ones, such as after a trailing `---`, skipped), and its parse errors. */
function parseManifest (path: string, text: string): { documents: ManifestDocument[], problems: string[] } {
  const documents: ManifestDocument[] = []
  const problems: string[] = []
  for (const [i, doc] of parseAllDocuments(text).entries()) {
    const where = `${path}#${i + 1}`
    if (doc.errors.length > 0) {
      problems.push(...doc.errors.map((err) => `${where}: ${err.message}`))
      continue
    }
    const object: unknown = doc.toJS()
    if (object !== null) documents.push({ where, object })
  }
  return { documents, problems }
}

const parsed = kubernetesYamlFiles().map((path) => parseManifest(path, readText(path)))
const parseProblems = parsed.flatMap((p) => p.problems)
const documents = parsed.flatMap((p) => p.documents)

function isKubeObject (object: unknown): object is KubeObject {
  if (typeof object !== 'object' || object === null || Array.isArray(object)) return false
  const { apiVersion, kind } = object as Record<string, unknown>
  return typeof apiVersion === 'string' && typeof kind === 'string'
}

/** The one object of `kind` in `file` (deploy/kubernetes/<file> unless it names its folder). */
function committedObject<T> (file: string, kind: string): T {
  const path = file.includes('/') ? file : `deploy/kubernetes/${file}`
  const found = documents.filter((d) => d.where.startsWith(`${path}#`) && isKubeObject(d.object) && d.object.kind === kind)
  assert.equal(found.length, 1, `${path} holds one ${kind}`)
  return (found[0] as ManifestDocument).object as T
}

const committed: Manifests = {
  deployment: committedObject<Deployment>('deployment.yaml', 'Deployment'),
  service: committedObject<Service>('service.yaml', 'Service'),
  hpa: committedObject<Hpa>('hpa.yaml', 'HorizontalPodAutoscaler'),
  pdb: committedObject<Pdb>('pdb.yaml', 'PodDisruptionBudget'),
  inferenceService: committedObject<InferenceService>('deploy/kserve/inferenceservice.yaml', 'InferenceService'),
  scoreJob: committedObject<Job>('deploy/kubernetes/jobs/score-job.yaml', 'Job'),
  documents,
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

/**
 * A workload an HPA scales must not set spec.replicas: every `kubectl apply` would reset the count the
 * HPA chose (a Deployment scaled out to 8 drops to the manifest's 2 until the HPA reacts again). Without
 * it the HPA's minReplicas is the floor. Targets are matched as the HPA finds them: kind and name in the
 * HPA's namespace.
 */
function hpaReplicaProblems (m: Manifests): string[] {
  const objects = m.documents.map((d) => d.object).filter(isKubeObject)
  const problems: string[] = []
  for (const hpa of objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
    const ref = hpa.spec?.scaleTargetRef
    const targets = objects.filter((o) => o.kind === ref?.kind && o.metadata?.name === ref?.name && o.metadata?.namespace === hpa.metadata?.namespace)
    for (const target of targets) {
      if (target.spec?.replicas !== undefined) {
        problems.push(`${target.kind} ${String(ref?.name)} sets spec.replicas (${String(target.spec.replicas)}) but HorizontalPodAutoscaler ${String(hpa.metadata?.name)} scales it: kubectl apply would reset the count; leave it to minReplicas`)
      }
    }
  }
  return problems
}

// --- the batch scoring Job: an Indexed Job whose pods each score their shard of the input files ---

/** The annotation the Job controller writes each Indexed pod's index to (and JOB_COMPLETION_INDEX reads). */
const COMPLETION_INDEX_FIELD = "metadata.annotations['batch.kubernetes.io/job-completion-index']"
const SHARD_INDEX = '$(JOB_COMPLETION_INDEX)'

function jobContainer (m: Manifests): Container {
  const containers = m.scoreJob.spec.template.spec.containers
  assert.equal(containers.length, 1, 'the Job has one container')
  return containers[0] as Container
}

/** The script the Job runs with node is one the image holds: scripts/<name>.ts compiled by tsconfig.cli.json into /app. */
function imageScriptProblems (m: Manifests, script: string): string[] {
  const problems: string[] = []
  const source = script.replace(/\.js$/, '.ts')
  if (!existsSync(new URL(source, ROOT))) problems.push(`the Job runs ${script}, but there is no ${source}`)
  const cli = ts.readConfigFile(fileURLToPath(new URL('tsconfig.cli.json', ROOT)), ts.sys.readFile)
  const files = (cli.config as { files?: string[] } | undefined)?.files ?? []
  if (!files.includes(source)) problems.push(`tsconfig.cli.json does not compile ${source}, so the image lacks ${script}`)
  if (!dockerArgs(m.dockerfile, 'RUN').some((args) => /\btsc -p tsconfig\.cli\.json\b/.test(args))) problems.push('the Dockerfile does not compile tsconfig.cli.json')
  if (!dockerArgs(m.dockerfile, 'COPY').some((args) => /^--from=build \/cli\/? \.\/?$/.test(args))) problems.push('the Dockerfile does not copy the compiled scorer (/cli) into its working directory')
  return problems
}

/**
 * The Job is Indexed with as many pods at once as indexes, and pod k runs the image's scorer with
 * --shard k/N for that N (the flags parsed by scripts/score.ts itself, for every k), the index taken from
 * JOB_COMPLETION_INDEX; inputs and outputs are on a PersistentVolumeClaim (inputs read-only); a data error
 * (exit code 2) is not retried; resources are set; it runs as the Deployment does (image, non-root user,
 * security contexts) and its pods are not the Service's or the PodDisruptionBudget's.
 */
function scoreJobProblems (m: Manifests): string[] {
  const problems: string[] = []
  const { spec } = m.scoreJob
  const pod = spec.template.spec
  const c = jobContainer(m)
  if (spec.completionMode !== 'Indexed') problems.push(`completionMode is ${String(spec.completionMode)}, not Indexed: the pods would get no JOB_COMPLETION_INDEX`)
  const shards = spec.completions
  if (shards === undefined || !Number.isInteger(shards) || shards < 1) problems.push(`completions ${String(shards)} is not a positive integer`)
  if (spec.parallelism !== shards) problems.push(`parallelism ${String(spec.parallelism)} is not completions ${String(shards)}: the shards would not all run at once`)

  const [node, script, ...more] = c.command ?? []
  if (node !== 'node' || script === undefined || more.length > 0) problems.push(`command ${JSON.stringify(c.command)} is not ["node", "<script>"]`)
  else problems.push(...imageScriptProblems(m, script))
  const args = c.args ?? []
  const shardFlag = args[args.indexOf('--shard') + 1]
  if (!args.includes('--shard') || shardFlag !== `${SHARD_INDEX}/${String(shards)}`) {
    problems.push(`--shard is ${String(shardFlag)}, not ${SHARD_INDEX}/${String(shards)}: N must be completions`)
  }
  if (c.env?.find((v) => v.name === 'JOB_COMPLETION_INDEX')?.valueFrom?.fieldRef?.fieldPath !== COMPLETION_INDEX_FIELD) {
    problems.push(`env JOB_COMPLETION_INDEX is not taken from ${COMPLETION_INDEX_FIELD}`)
  }
  // The kubelet expands $(NAME) only for the container's own env; anything else stays as written.
  for (const arg of args) {
    for (const [, name] of arg.matchAll(/\$\((\w+)\)/g)) {
      if (c.env?.some((v) => v.name === name) !== true) problems.push(`args use $(${String(name)}), which the container env does not set`)
    }
  }

  const mounts = c.volumeMounts ?? []
  const claimed = new Set((pod.volumes ?? []).filter((v) => (v.persistentVolumeClaim?.claimName ?? '') !== '').map((v) => v.name))
  const mountOf = (path: string): VolumeMount | undefined => mounts.find((mt) => claimed.has(mt.name) && (path === mt.mountPath || path.startsWith(`${mt.mountPath}/`)))
  for (let k = 0; k < (shards ?? 0); k++) {
    try {
      const flags = parseScoreArgs(args.map((arg) => arg.replaceAll(SHARD_INDEX, String(k))))
      if (flags.shard?.index !== k || flags.shard.count !== shards) problems.push(`pod ${k} would score shard ${JSON.stringify(flags.shard)}, not ${k}/${String(shards)}`)
      if (k > 0) continue
      for (const input of flags.inputs) {
        const mount = mountOf(input)
        if (mount === undefined) problems.push(`--in ${input} is not on a PersistentVolumeClaim volume`)
        else if (mount.readOnly !== true) problems.push(`--in ${input} is mounted writable: the scorer only reads it`)
      }
      const output = flags.output ?? '-'
      const outMount = mountOf(output)
      if (outMount === undefined) problems.push(`--out ${output} is not on a PersistentVolumeClaim volume`)
      else if (outMount.readOnly === true) problems.push(`--out ${output} is mounted read-only`)
    } catch (err) {
      problems.push(`pod ${k}: score rejects its flags: ${(err as Error).message}`)
    }
  }

  if (pod.restartPolicy !== 'Never') problems.push(`restartPolicy is ${String(pod.restartPolicy)}: a pod failure policy needs Never`)
  const dataError = spec.podFailurePolicy?.rules.find((r) => r.onExitCodes?.operator === 'In' && r.onExitCodes.values.includes(2))
  if (dataError === undefined || !['FailIndex', 'FailJob'].includes(dataError.action)) problems.push('exit code 2 (bad flags, files or data) would be retried: a retry fails the same way')
  for (const kind of ['requests', 'limits'] as const) {
    for (const resource of ['cpu', 'memory']) {
      if (c.resources?.[kind]?.[resource] === undefined) problems.push(`the container has no ${resource} ${kind.slice(0, -1)}`)
    }
  }

  if (c.image !== container(m).image) problems.push(`image ${String(c.image)} is not the Deployment's ${String(container(m).image)}`)
  if (pod.securityContext?.runAsNonRoot !== true && c.securityContext?.runAsNonRoot !== true) problems.push('runAsNonRoot is not set')
  const { fsGroup: _fsGroup, ...podSecurity } = pod.securityContext ?? {}
  if (!isDeepStrictEqual(podSecurity, m.deployment.spec.template.spec.securityContext ?? {})) problems.push('the pod security context (fsGroup aside) differs from deployment.yaml\'s')
  if (!isDeepStrictEqual(c.securityContext, container(m).securityContext)) problems.push('the container security context differs from deployment.yaml\'s')
  const labels = m.scoreJob.spec.template.metadata?.labels ?? {}
  const selects = (selector: Record<string, string>): boolean => Object.entries(selector).every(([k, v]) => labels[k] === v)
  if (selects(m.service.spec.selector)) problems.push('the Service selects the Job\'s pods: requests would be sent to them')
  if (selects(m.pdb.spec.selector.matchLabels)) problems.push('the PodDisruptionBudget counts the Job\'s pods')
  return problems
}

// --- the KServe InferenceService: the Deployment's container as an Open Inference Protocol v2 predictor ---

/** Env names KServe reads from a custom predictor's container, not the server: the protocol it speaks. */
const KSERVE_ENV = ['PROTOCOL']
/** KServe modes where the predictor is a plain Deployment (Knative, the default, reserves PORT and takes no grace period). */
const RAW_DEPLOYMENT_MODES = ['RawDeployment', 'Standard']
const SCRAPE_ANNOTATIONS = ['prometheus.io/scrape', 'prometheus.io/port', 'prometheus.io/path']

function kserveContainer (m: Manifests): Container {
  const containers = m.inferenceService.spec.predictor.containers
  assert.equal(containers.length, 1, 'the predictor has one container')
  return containers[0] as Container
}

function pick (record: Record<string, string> | undefined, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(keys.flatMap((k) => record?.[k] === undefined ? [] : [[k, record[k]]]))
}

/**
 * The InferenceService runs what deployment.yaml runs (env, port, probes, resources, security, grace
 * period, autoscaling as hpa.yaml), says it speaks v2, is named as the model the /v2 routes serve, and
 * its probe and scrape paths are routes of the app.
 */
function inferenceServiceProblems (m: Manifests): string[] {
  const problems: string[] = []
  const isvc = m.inferenceService
  const predictor = isvc.spec.predictor
  const c = kserveContainer(m)
  const deployed = container(m)
  if (c.name !== 'kserve-container') problems.push(`the predictor container is ${c.name}, not kserve-container (KServe finds the predictor by that name)`)
  if (isvc.metadata.name !== OIP_MODEL_NAME) problems.push(`the InferenceService is ${isvc.metadata.name}: KServe clients call /v2/models/<its name>/infer and the server serves ${OIP_MODEL_NAME}`)
  if (!app.hasRoute({ method: 'POST', url: '/v2/models/:model_name/infer' })) problems.push('the app has no POST /v2/models/:model_name/infer')
  const mode = isvc.metadata.annotations?.['serving.kserve.io/deploymentMode']
  if (mode === undefined || !RAW_DEPLOYMENT_MODES.includes(mode)) problems.push(`deploymentMode ${String(mode)} is not RawDeployment: Knative would reserve PORT and refuse terminationGracePeriodSeconds`)

  const env = c.env ?? []
  const protocol = env.find((v) => v.name === 'PROTOCOL')?.value
  if (protocol !== 'v2') problems.push(`env PROTOCOL is ${String(protocol)}: KServe takes a custom predictor to speak v1 unless it is v2`)
  for (const v of env) {
    if (!Object.hasOwn(ENV_DEFAULTS, v.name) && !KSERVE_ENV.includes(v.name)) problems.push(`env ${v.name} is read neither by the server (ENV_DEFAULTS) nor by KServe`)
  }
  const serverEnv = env.filter((v) => !KSERVE_ENV.includes(v.name))
  if (!isDeepStrictEqual(serverEnv, deployed.env ?? [])) problems.push('the server env differs from deployment.yaml\'s')
  const values = Object.fromEntries(serverEnv.flatMap((v) => v.value === undefined ? [] : [[v.name, v.value]]))
  let config: Config | null = null
  try {
    config = loadConfig(values)
  } catch (err) {
    problems.push(`loadConfig rejects the InferenceService's env: ${(err as Error).message}`)
  }

  const port = c.ports?.find((p) => p.name === 'http')?.containerPort
  const portEnv = values.PORT ?? ENV_DEFAULTS.PORT
  if (port === undefined || String(port) !== portEnv) problems.push(`containerPort ${String(port)} (port named http) is not PORT ${portEnv}`)
  for (const name of PROBES) {
    const path = c[name]?.httpGet?.path
    if (path === undefined || !isGetRoute(path)) problems.push(`${name} path ${String(path)} is not a GET route`)
    if (!isDeepStrictEqual(c[name], deployed[name])) problems.push(`${name} differs from deployment.yaml's`)
  }
  if (!isDeepStrictEqual(c.resources, deployed.resources)) problems.push('resources differ from deployment.yaml\'s')
  if (!isDeepStrictEqual(c.securityContext, deployed.securityContext) || !isDeepStrictEqual(predictor.securityContext, m.deployment.spec.template.spec.securityContext)) {
    problems.push('security contexts differ from deployment.yaml\'s')
  }
  const graceMs = (predictor.terminationGracePeriodSeconds ?? 30) * 1000
  if (config !== null && graceMs <= config.shutdownDelayMs + config.shutdownTimeoutMs) {
    problems.push(`terminationGracePeriodSeconds (${graceMs} ms) must exceed SHUTDOWN_DELAY_MS + SHUTDOWN_TIMEOUT_MS (${config.shutdownDelayMs} + ${config.shutdownTimeoutMs} ms)`)
  }

  const cpu = m.hpa.spec.metrics.find((metric) => metric.type === 'Resource' && metric.resource?.name === 'cpu')
  const scaling = [predictor.scaleMetric, predictor.scaleTarget, predictor.minReplicas, predictor.maxReplicas]
  const hpa = ['cpu', cpu?.resource?.target.averageUtilization, m.hpa.spec.minReplicas, m.hpa.spec.maxReplicas]
  if (!isDeepStrictEqual(scaling, hpa)) problems.push(`autoscaling (metric, target, min, max) ${JSON.stringify(scaling)} is not hpa.yaml's ${JSON.stringify(hpa)}`)
  const podMetadata = m.deployment.spec.template.metadata
  if (predictor.labels?.['app.kubernetes.io/name'] !== podMetadata.labels['app.kubernetes.io/name']) problems.push('the predictor pods lack the app.kubernetes.io/name label the alert rules select')
  if (!isDeepStrictEqual(pick(predictor.annotations, SCRAPE_ANNOTATIONS), pick(podMetadata.annotations, SCRAPE_ANNOTATIONS))) problems.push('the scrape annotations differ from deployment.yaml\'s')
  return problems
}

/** Fields of KServe's v1beta1 PredictorSpec besides the PodSpec's: ComponentExtensionSpec, the framework specs, storage and workers. */
const PREDICTOR_FRAMEWORKS = ['sklearn', 'xgboost', 'tensorflow', 'pytorch', 'triton', 'onnx', 'huggingface', 'pmml', 'lightgbm', 'paddle', 'model']
const PREDICTOR_EXTENSION_FIELDS = ['minReplicas', 'maxReplicas', 'scaleTarget', 'scaleMetric', 'autoScaling', 'containerConcurrency', 'timeout',
  'canaryTrafficPercent', 'logger', 'batcher', 'labels', 'annotations', 'deploymentStrategy', 'storageUris', 'workerSpec', ...PREDICTOR_FRAMEWORKS]
/** io.k8s.api.core.v1.PodSpec's fields (KServe inlines them into the predictor). */
const POD_SPEC_FIELDS = ['activeDeadlineSeconds', 'affinity', 'automountServiceAccountToken', 'containers', 'dnsConfig', 'dnsPolicy', 'enableServiceLinks',
  'ephemeralContainers', 'hostAliases', 'hostIPC', 'hostNetwork', 'hostPID', 'hostUsers', 'hostname', 'imagePullSecrets', 'initContainers', 'nodeName',
  'nodeSelector', 'os', 'overhead', 'preemptionPolicy', 'priority', 'priorityClassName', 'readinessGates', 'resourceClaims', 'resources', 'restartPolicy',
  'runtimeClassName', 'schedulerName', 'schedulingGates', 'securityContext', 'serviceAccount', 'serviceAccountName', 'setHostnameAsFQDN',
  'shareProcessNamespace', 'subdomain', 'terminationGracePeriodSeconds', 'tolerations', 'topologySpreadConstraints', 'volumes']
/** KServe's InferenceService name rule (InvalidISVCNameFormatError). */
const ISVC_NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/
const KSERVE_ANNOTATIONS: Record<string, readonly string[]> = {
  'serving.kserve.io/deploymentMode': ['Serverless', 'RawDeployment', 'Standard', 'ModelMesh'],
  'serving.kserve.io/autoscalerClass': ['hpa', 'keda', 'external', 'none']
}

function isStringMap (value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string')
}

/**
 * serving.kserve.io/v1beta1 InferenceService, which kubernetes-models does not model: the fields of
 * KServe's types (an unknown one is a typo KServe would drop), its own rules (name, replicas, one
 * predictor implementation, the custom predictor's PROTOCOL), and the pod part through the core PodSpec
 * schema (containers, probes, ports, security contexts). Throws naming every problem.
 */
function validateInferenceService (object: object): void {
  const problems: string[] = []
  const { metadata, spec } = object as { metadata?: { name?: unknown, annotations?: unknown }, spec?: Record<string, unknown> }
  if (typeof metadata?.name !== 'string' || !ISVC_NAME.test(metadata.name) || metadata.name.length > 63) problems.push(`metadata.name ${JSON.stringify(metadata?.name)} is not a valid InferenceService name`)
  if (metadata?.annotations !== undefined && !isStringMap(metadata.annotations)) problems.push('metadata.annotations must be a map of strings')
  for (const [key, allowed] of Object.entries(KSERVE_ANNOTATIONS)) {
    const value = (metadata?.annotations as Record<string, string> | undefined)?.[key]
    if (value !== undefined && !allowed.includes(value)) problems.push(`annotation ${key} must be one of ${allowed.join(', ')}`)
  }
  const predictor = spec?.predictor as Record<string, unknown> | undefined
  for (const key of Object.keys(spec ?? {})) if (!['predictor', 'transformer', 'explainer'].includes(key)) problems.push(`spec.${key} is not an InferenceService field`)
  if (typeof predictor !== 'object' || predictor === null) {
    problems.push('spec.predictor is required')
    throw new Error(problems.join(', '))
  }
  for (const key of Object.keys(predictor)) {
    if (!PREDICTOR_EXTENSION_FIELDS.includes(key) && !POD_SPEC_FIELDS.includes(key)) problems.push(`spec.predictor.${key} is not a predictor field`)
  }
  for (const key of ['minReplicas', 'maxReplicas', 'scaleTarget', 'containerConcurrency', 'timeout', 'canaryTrafficPercent']) {
    const value = predictor[key]
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 0)) problems.push(`spec.predictor.${key} must be a non-negative integer`)
  }
  const { minReplicas, maxReplicas } = predictor as { minReplicas?: number, maxReplicas?: number }
  if (typeof minReplicas === 'number' && typeof maxReplicas === 'number' && maxReplicas !== 0 && minReplicas > maxReplicas) problems.push('spec.predictor.minReplicas exceeds maxReplicas')
  if (predictor.scaleMetric !== undefined && !['cpu', 'memory', 'concurrency', 'rps'].includes(predictor.scaleMetric as string)) problems.push('spec.predictor.scaleMetric must be cpu, memory, concurrency or rps')
  for (const key of ['labels', 'annotations']) if (predictor[key] !== undefined && !isStringMap(predictor[key])) problems.push(`spec.predictor.${key} must be a map of strings`)
  const containers = Array.isArray(predictor.containers) ? predictor.containers as Array<{ env?: EnvVar[] }> : []
  const implementations = PREDICTOR_FRAMEWORKS.filter((key) => predictor[key] !== undefined).length + (containers.length > 0 ? 1 : 0)
  if (implementations !== 1) problems.push(`spec.predictor needs exactly one implementation (a framework spec or containers), has ${implementations}`)
  const protocol = containers[0]?.env?.find((v) => v.name === 'PROTOCOL')?.value
  if (protocol !== undefined && !['v1', 'v2'].includes(protocol)) problems.push(`PROTOCOL ${protocol} must be v1 or v2`)
  const validations: Array<[string, () => void]> = [['spec.predictor (pod spec)', () => {
    new PodSpecModel(Object.fromEntries(Object.entries(predictor).filter(([key]) => POD_SPEC_FIELDS.includes(key))) as unknown as ConstructorParameters<typeof PodSpecModel>[0]).validate()
  }]]
  if (predictor.deploymentStrategy !== undefined) validations.push(['spec.predictor.deploymentStrategy', () => { new DeploymentStrategyModel(predictor.deploymentStrategy as object).validate() }])
  for (const [where, validate] of validations) {
    try {
      validate()
    } catch (err) {
      problems.push(`${where}: ${(err as Error).message}`)
    }
  }
  if (problems.length > 0) throw new Error(problems.join(', '))
}

// The Kubernetes API schemas of every kind deployed, keyed by "<apiVersion> <kind>" taken from the model
// class itself. A new kind (or a new apiVersion of one) needs its class here, or schemaProblems reports it.
interface SchemaModel<T> { apiVersion: string, kind: string, new (data?: T): { validate: () => void } }
function validator<T> (Model: SchemaModel<T>): [string, (object: object) => void] {
  // The constructor fills in apiVersion and kind only where the object lacks them; the key already matched both.
  return [`${Model.apiVersion} ${Model.kind}`, (object) => { new Model(object as T).validate() }]
}
const VALIDATORS = new Map([validator(DeploymentModel), validator(ServiceModel), validator(HpaModel), validator(PdbModel), validator(JobModel),
  ['serving.kserve.io/v1beta1 InferenceService', validateInferenceService]])

/** Each document is a Kubernetes object of a known apiVersion and kind that its schema accepts. */
function schemaProblems (m: Manifests): string[] {
  const problems: string[] = []
  for (const { where, object } of m.documents) {
    if (!isKubeObject(object)) {
      problems.push(`${where}: not a Kubernetes object (a mapping with string apiVersion and kind)`)
      continue
    }
    const validate = VALIDATORS.get(`${object.apiVersion} ${object.kind}`)
    if (validate === undefined) {
      problems.push(`${where}: no schema for ${object.apiVersion} ${object.kind}: add its kubernetes-models class to VALIDATORS`)
      continue
    }
    try {
      validate(object)
    } catch (err) {
      problems.push(`${where} (${object.kind} ${String(object.metadata?.name)}): ${(err as Error).message}`)
    }
  }
  return problems
}

// --- the committed files pass every check ---

const CHECKS = { routeProblems, portProblems, envProblems, shutdownProblems, securityProblems, scalingProblems, hpaReplicaProblems, inferenceServiceProblems, scoreJobProblems, schemaProblems }

for (const [name, check] of Object.entries(CHECKS)) {
  test(`deploy manifests - ${name} on the committed files - none`, () => {
    assert.deepEqual(check(committed), [])
  })
}

test('deploy manifests - every YAML file under deploy/ but deploy/prometheus - parsed, every kind found', () => {
  assert.deepEqual(parseProblems, [])
  const files = kubernetesYamlFiles()
  for (const path of ['kubernetes/deployment', 'kubernetes/service', 'kubernetes/hpa', 'kubernetes/pdb', 'kubernetes/jobs/score-job', 'kserve/inferenceservice']) {
    assert.ok(files.includes(`deploy/${path}.yaml`), `${path}.yaml found in ${files.join(', ')}`)
  }
  assert.ok(!files.some((path) => path.startsWith('deploy/prometheus/')))
  const kinds = new Set(documents.map((d) => isKubeObject(d.object) ? `${d.object.apiVersion} ${d.object.kind}` : ''))
  for (const key of VALIDATORS.keys()) assert.ok(kinds.has(key), `a ${key} is deployed`)
})

test('deploy manifests - parseManifest on broken YAML and an empty trailing document - error reported, empty skipped', () => {
  assert.deepEqual(parseManifest('x.yaml', 'kind: Service\n---\n').documents, [{ where: 'x.yaml#1', object: { kind: 'Service' } }])
  const { problems } = parseManifest('x.yaml', 'kind: Service\n---\nmetadata: {name: [\n')
  assert.ok(problems.length > 0 && problems.every((p) => p.startsWith('x.yaml#2: ')), JSON.stringify(problems))
})

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
  ['a Service selecting other pods', scalingProblems, (m) => { m.service.spec.selector = { app: 'other' } }, /Service selector/],
  ['replicas on the HPA-scaled Deployment', hpaReplicaProblems, (m) => { m.deployment.spec.replicas = 2 }, /Deployment buy-again sets spec\.replicas \(2\) but HorizontalPodAutoscaler buy-again scales it/],
  ['a string containerPort', schemaProblems, (m) => { (container(m).ports?.[0] as { containerPort: unknown }).containerPort = '3000' }, /deployment\.yaml#1 \(Deployment buy-again\): .*containerPort must be integer/],
  ['a container without a name', schemaProblems, (m) => { delete (container(m) as Partial<Container>).name }, /Deployment buy-again\): .*must have required property name/],
  ['a string maxReplicas', schemaProblems, (m) => { (m.hpa.spec as { maxReplicas: unknown }).maxReplicas = 'ten' }, /hpa\.yaml#1 \(HorizontalPodAutoscaler buy-again\): .*maxReplicas must be integer/],
  ['a Service port as a list', schemaProblems, (m) => { (m.service.spec as { ports: unknown }).ports = { name: 'http', port: 80 } }, /service\.yaml#1 \(Service buy-again\): .*ports must be array/],
  ['a removed HPA apiVersion', schemaProblems, (m) => { m.hpa.apiVersion = 'autoscaling/v2beta2' }, /hpa\.yaml#1: no schema for autoscaling\/v2beta2 HorizontalPodAutoscaler/],
  ['a kind with no validator', schemaProblems, (m) => { m.documents.push({ where: 'deploy/kubernetes/ingress.yaml#1', object: { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'buy-again' } } }) }, /ingress\.yaml#1: no schema for networking\.k8s\.io\/v1 Ingress/],
  ['a document that is a list', schemaProblems, (m) => { m.documents.push({ where: 'deploy/kubernetes/list.yaml#1', object: [m.service] }) }, /list\.yaml#1: not a Kubernetes object/],
  ['no PROTOCOL', inferenceServiceProblems, (m) => { kserveContainer(m).env = kserveContainer(m).env?.filter((v) => v.name !== 'PROTOCOL') }, /env PROTOCOL is undefined: KServe takes a custom predictor to speak v1/],
  ['an env name nobody reads', inferenceServiceProblems, (m) => { kserveContainer(m).env?.push({ name: 'NODE_OPTIONS', value: '--max-old-space-size=256' }) }, /env NODE_OPTIONS is read neither by the server/],
  ['an env value the Deployment does not set', inferenceServiceProblems, (m) => { (kserveContainer(m).env?.find((v) => v.name === 'LOG_LEVEL') as EnvVar).value = 'debug' }, /server env differs from deployment\.yaml's/],
  ['an env value loadConfig rejects', inferenceServiceProblems, (m) => { (kserveContainer(m).env?.find((v) => v.name === 'MAX_BATCH') as EnvVar).value = 'many' }, /loadConfig rejects the InferenceService's env: .*MAX_BATCH/],
  ['another containerPort', inferenceServiceProblems, (m) => { (kserveContainer(m).ports?.[0] as { containerPort: number }).containerPort = 8080 }, /containerPort 8080 \(port named http\) is not PORT 3000/],
  ['a readiness probe on a missing route', inferenceServiceProblems, (m) => { (kserveContainer(m).readinessProbe as Required<Probe>).httpGet.path = '/healthz' }, /readinessProbe path \/healthz is not a GET route/],
  ['a liveness probe unlike the Deployment\'s', inferenceServiceProblems, (m) => { (kserveContainer(m).livenessProbe as Required<Probe>).httpGet.path = '/health/ready' }, /livenessProbe differs from deployment\.yaml's/],
  ['other resources', inferenceServiceProblems, (m) => { (kserveContainer(m).resources?.limits as Record<string, string>).memory = '1Gi' }, /resources differ/],
  ['a writable root filesystem', inferenceServiceProblems, (m) => { delete kserveContainer(m).securityContext?.readOnlyRootFilesystem }, /security contexts differ/],
  ['a grace period shorter than the shutdown', inferenceServiceProblems, (m) => { m.inferenceService.spec.predictor.terminationGracePeriodSeconds = 10 }, /terminationGracePeriodSeconds \(10000 ms\) must exceed/],
  ['the Serverless mode', inferenceServiceProblems, (m) => { (m.inferenceService.metadata.annotations as Record<string, string>)['serving.kserve.io/deploymentMode'] = 'Serverless' }, /deploymentMode Serverless is not RawDeployment/],
  ['another name than the model\'s', inferenceServiceProblems, (m) => { m.inferenceService.metadata.name = 'buy-again-v2' }, /InferenceService is buy-again-v2: .*server serves buy-again/],
  ['a renamed container', inferenceServiceProblems, (m) => { kserveContainer(m).name = 'server' }, /predictor container is server, not kserve-container/],
  ['a scale target unlike the HPA\'s', inferenceServiceProblems, (m) => { m.inferenceService.spec.predictor.scaleTarget = 50 }, /autoscaling \(metric, target, min, max\) \["cpu",50,2,10\] is not hpa\.yaml's \["cpu",70,2,10\]/],
  ['pods without the name label', inferenceServiceProblems, (m) => { delete m.inferenceService.spec.predictor.labels }, /lack the app\.kubernetes\.io\/name label/],
  ['another scrape path', inferenceServiceProblems, (m) => { (m.inferenceService.spec.predictor.annotations as Record<string, string>)['prometheus.io/path'] = '/prometheus' }, /scrape annotations differ/],
  ['a misspelt predictor field', schemaProblems, (m) => { m.inferenceService.spec.predictor.minReplica = 2 }, /inferenceservice\.yaml#1 \(InferenceService buy-again\): .*spec\.predictor\.minReplica is not a predictor field/],
  ['a string containerPort in the predictor', schemaProblems, (m) => { (kserveContainer(m).ports?.[0] as { containerPort: unknown }).containerPort = '3000' }, /InferenceService buy-again\): spec\.predictor \(pod spec\): .*containerPort must be integer/],
  ['a probe without a port', schemaProblems, (m) => { delete (kserveContainer(m).startupProbe as Required<Probe>).httpGet.port }, /InferenceService buy-again\): .*startupProbe\/httpGet must have required property port/],
  ['an invalid name', schemaProblems, (m) => { m.inferenceService.metadata.name = 'BuyAgain' }, /metadata\.name "BuyAgain" is not a valid InferenceService name/],
  ['a framework beside the containers', schemaProblems, (m) => { m.inferenceService.spec.predictor.sklearn = { storageUri: 'gs://x' } }, /exactly one implementation \(a framework spec or containers\), has 2/],
  ['PROTOCOL v3', schemaProblems, (m) => { (kserveContainer(m).env?.find((v) => v.name === 'PROTOCOL') as EnvVar).value = 'v3' }, /PROTOCOL v3 must be v1 or v2/],
  ['a scale metric KServe lacks', schemaProblems, (m) => { m.inferenceService.spec.predictor.scaleMetric = 'gpu' }, /scaleMetric must be cpu, memory, concurrency or rps/],
  ['more minimum than maximum replicas', schemaProblems, (m) => { m.inferenceService.spec.predictor.minReplicas = 11 }, /minReplicas exceeds maxReplicas/],
  ['a deployment strategy of another type', schemaProblems, (m) => { (m.inferenceService.spec.predictor.deploymentStrategy as { type: unknown }).type = 3 }, /deploymentStrategy: .*type must be string/],
  ['a NonIndexed Job', scoreJobProblems, (m) => { m.scoreJob.spec.completionMode = 'NonIndexed' }, /completionMode is NonIndexed, not Indexed/],
  ['fewer pods at once than shards', scoreJobProblems, (m) => { m.scoreJob.spec.parallelism = 2 }, /parallelism 2 is not completions 4/],
  ['more completions than the shard count', scoreJobProblems, (m) => { m.scoreJob.spec.completions = 6; m.scoreJob.spec.parallelism = 6 }, /--shard is \$\(JOB_COMPLETION_INDEX\)\/4, not \$\(JOB_COMPLETION_INDEX\)\/6/],
  ['no JOB_COMPLETION_INDEX in the env', scoreJobProblems, (m) => { const c = jobContainer(m); c.env = c.env?.filter((v) => v.name !== 'JOB_COMPLETION_INDEX') }, /args use \$\(JOB_COMPLETION_INDEX\), which the container env does not set/],
  ['a fixed shard', scoreJobProblems, (m) => { const args = jobContainer(m).args as string[]; args[args.indexOf('--shard') + 1] = '0/4' }, /pod 1 would score shard \{"index":0,"count":4\}, not 1\/4/],
  ['a flag the scorer lacks', scoreJobProblems, (m) => { jobContainer(m).args?.push('--workers', '4') }, /pod 0: score rejects its flags: Unknown option '--workers'/],
  ['a script the image lacks', scoreJobProblems, (m) => { jobContainer(m).command = ['node', 'scripts/train.js'] }, /tsconfig\.cli\.json does not compile scripts\/train\.ts/],
  ['the output off the volume', scoreJobProblems, (m) => { const args = jobContainer(m).args as string[]; args[args.indexOf('--out') + 1] = '/tmp/scored' }, /--out \/tmp\/scored is not on a PersistentVolumeClaim volume/],
  ['the input mounted writable', scoreJobProblems, (m) => { delete (jobContainer(m).volumeMounts?.[0] as VolumeMount).readOnly }, /--in \/data\/unload is mounted writable/],
  ['exit code 2 retried', scoreJobProblems, (m) => { delete m.scoreJob.spec.podFailurePolicy }, /exit code 2 .* would be retried/],
  ['no memory limit', scoreJobProblems, (m) => { delete jobContainer(m).resources?.limits?.memory }, /no memory limit/],
  ['root', scoreJobProblems, (m) => { delete m.scoreJob.spec.template.spec.securityContext?.runAsNonRoot; delete jobContainer(m).securityContext?.runAsNonRoot }, /runAsNonRoot is not set/],
  ['another user than the Deployment\'s', scoreJobProblems, (m) => { (m.scoreJob.spec.template.spec.securityContext as { runAsUser: number }).runAsUser = 0 }, /pod security context \(fsGroup aside\) differs/],
  ['a writable root filesystem', scoreJobProblems, (m) => { delete jobContainer(m).securityContext?.readOnlyRootFilesystem }, /container security context differs/],
  ['another image', scoreJobProblems, (m) => { jobContainer(m).image = 'registry.example.com/other:1' }, /image registry\.example\.com\/other:1 is not the Deployment's/],
  ['the serving pods\' labels', scoreJobProblems, (m) => { (m.scoreJob.spec.template.metadata as { labels: Record<string, string> }).labels = { 'app.kubernetes.io/name': 'buy-again' } }, /the Service selects the Job's pods/],
  ['a string completions', schemaProblems, (m) => { (m.scoreJob.spec as { completions: unknown }).completions = 'four' }, /score-job\.yaml#1 \(Job buy-again-score\): .*completions must be integer/]
]

for (const [scenario, check, edit, expected] of BREAKAGES) {
  test(`deploy manifests - ${check.name} with ${scenario} - reported`, () => {
    const problems = check(broken(edit))
    assert.ok(problems.some((p) => expected.test(p)), `expected a problem matching ${expected}, got ${JSON.stringify(problems)}`)
  })
}

test('deploy manifests - hpaReplicaProblems with replicas on a Deployment no HPA targets - none', () => {
  // The check follows scaleTargetRef: replicas are fine where no HPA scales the Deployment.
  assert.deepEqual(hpaReplicaProblems(broken((m) => { m.deployment.spec.replicas = 2; m.hpa.spec.scaleTargetRef.name = 'other' })), [])
  assert.deepEqual(hpaReplicaProblems(broken((m) => { m.deployment.spec.replicas = 2; m.hpa.spec.scaleTargetRef.kind = 'StatefulSet' })), [])
})

test('deploy manifests - the broken copies share objects - an edit through m.deployment reaches m.documents', () => {
  const m = broken((copy) => { copy.deployment.spec.replicas = 3 })
  assert.ok(m.documents.some((d) => d.object === m.deployment))
  assert.ok(!m.documents.some((d) => d.object === committed.deployment), 'the copy holds no committed object')
  assert.notEqual(committed.deployment.spec.replicas, 3, 'the committed object is untouched')
})

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

test('deploy scrape annotation - GET the path - 200 Prometheus text with buy_again_model_info', async () => {
  const path = committed.deployment.spec.template.metadata.annotations?.['prometheus.io/path']
  assert.ok(path !== undefined)
  const response = await app.inject({ method: 'GET', url: path })
  assert.equal(response.statusCode, 200)
  assert.match(String(response.headers['content-type']), /^text\/plain/)
  assert.match(response.body, /^buy_again_model_info\{version="[^"]+"\} 1$/m)
})
