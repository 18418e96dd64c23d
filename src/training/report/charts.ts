// The report's charts as Vega-Lite specs, rendered to standalone SVG strings in Node (no browser, no canvas).
// Every spec carries its data inline: Vega is never asked to load anything.
import { View, parse } from 'vega'
import { compile, type TopLevelSpec } from 'vega-lite'
import type { FeatureImportance } from '../../artefact/model-card.js'
import type { EqualCountBin, GainsPoint, RocPoint, ScoreHistogramBin } from './curves.js'
import { directionKind, directionWords, fieldLabel, type DirectionKind } from './field-names.js'
import { escapeHtml } from './html.js'

const WIDTH_PX = 400
const HEIGHT_PX = 300
const BAR_HEIGHT_PX = 22
const IMPORTANCE_WIDTH_PX = 360

const COLOR = {
  model: '#2563eb',
  reference: '#9ca3af',
  accent: '#dc2626',
  buyers: '#d97706',
  nonBuyers: '#475569',
  moreLikely: '#2563eb',
  lessLikely: '#ea580c',
  unclear: '#94a3b8'
} as const

/** System fonts only, so the page looks the same offline. */
export const FONT_STACK = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'

const CONFIG = {
  font: FONT_STACK,
  background: 'white',
  view: { stroke: '#e5e7eb' },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#f1f5f9', domainColor: '#94a3b8', tickColor: '#94a3b8' },
  // Subtitles live in the HTML captions: without a canvas Vega overestimates text widths, and long titles would widen the SVG.
  title: { fontSize: 15, anchor: 'start', offset: 10 },
  legend: { labelFontSize: 11, titleFontSize: 11 }
} as const

/** Probabilities and shares: always the whole [0, 1] range, so charts of different models compare. */
function unitScale (): { domain: number[], nice: boolean } {
  return { domain: [0, 1], nice: false }
}

/**
 * [0, 1] on a square-root scale: most customers have small probabilities, and a linear axis would pile
 * their groups into one corner. y = x stays a straight diagonal.
 */
function stretchedUnitScale (): { type: 'sqrt', domain: number[], nice: boolean } {
  return { type: 'sqrt', domain: [0, 1], nice: false }
}

function stretchedAxis (): { format: string, values: number[], labelOverlap: boolean } {
  return { format: '%', values: [0, 0.01, 0.05, 0.1, 0.2, 0.4, 0.6, 1], labelOverlap: false }
}

/** The dashed y = x line: random guess, perfect calibration or random order, depending on the chart. */
function diagonalLayer () {
  return {
    data: { values: [{ x: 0, y: 0 }, { x: 1, y: 1 }] },
    mark: { type: 'line' as const, color: COLOR.reference, strokeDash: [5, 4], strokeWidth: 1.5 }
  }
}

const percent = (x: number, decimals = 0): string => `${(x * 100).toFixed(decimals)}%`

/** ROC curve with the random-guess diagonal and the operating point at the decision threshold. */
export function rocChartSpec (points: readonly RocPoint[], auc: number, operating: RocPoint & { readonly threshold: number }): TopLevelSpec {
  return {
    width: WIDTH_PX,
    height: HEIGHT_PX,
    config: CONFIG,
    description: `ROC curve of the test split, area under the curve ${auc.toFixed(3)}`,
    title: `ROC curve (AUC ${auc.toFixed(3)})`,
    encoding: {
      x: { field: 'x', type: 'quantitative', scale: unitScale(), axis: { format: '%' }, title: 'False positive rate (non-buyers flagged)' },
      y: { field: 'y', type: 'quantitative', scale: unitScale(), axis: { format: '%' }, title: 'True positive rate (buyers found)' }
    },
    layer: [
      diagonalLayer(),
      {
        data: { values: points.map((p, i) => ({ x: p.falsePositiveRate, y: p.truePositiveRate, i })) },
        mark: { type: 'line', color: COLOR.model, strokeWidth: 2 },
        // Several points share an x (vertical steps): draw them in walk order, not sorted by x.
        encoding: { order: { field: 'i', type: 'quantitative' } }
      },
      {
        data: { values: [{ x: operating.falsePositiveRate, y: operating.truePositiveRate, label: `threshold ${operating.threshold.toFixed(3)}` }] },
        layer: [
          { mark: { type: 'point', filled: true, size: 70, color: COLOR.accent, opacity: 1 } },
          { mark: { type: 'text', align: 'left', dx: 8, dy: 12, fontSize: 11, color: COLOR.accent }, encoding: { text: { field: 'label', type: 'nominal' } } }
        ]
      },
      {
        data: { values: [{ x: 0.55, y: 0.45, label: 'random guess' }] },
        mark: { type: 'text', angle: -37, fontSize: 11, color: COLOR.reference },
        encoding: { text: { field: 'label', type: 'nominal' } }
      }
    ]
  }
}

/**
 * Reliability plot over groups of equal size: each group's mean predicted probability against its observed
 * buy rate with a 95% Wilson interval, and the ideal diagonal. Equal groups keep a handful of customers
 * from drawing a point at 0% or 100%; no line joins the points, so the eye follows the diagonal, not the noise.
 */
export function calibrationChartSpec (bins: readonly EqualCountBin[], expectedCalibrationError: number): TopLevelSpec {
  const values = bins.map((b) => ({ x: b.meanPredicted, y: b.observedRate, lower: b.observedLower, upper: b.observedUpper }))
  const sizes = bins.map((b) => b.count)
  const smallest = Math.min(...sizes)
  const largest = Math.max(...sizes)
  const groups = `${bins.length} group${bins.length === 1 ? '' : 's'} of ${smallest === largest ? smallest : `${smallest} to ${largest}`} customers`
  return {
    width: WIDTH_PX,
    height: HEIGHT_PX,
    config: CONFIG,
    description: `Calibration of the test split in ${groups}: ` +
      values.map((v) => `predicted ${percent(v.x, 1)}, observed ${percent(v.y, 1)} (95% interval ${percent(v.lower)} to ${percent(v.upper)})`).join('; '),
    title: `Calibration (ECE ${expectedCalibrationError.toFixed(3)})`,
    encoding: {
      x: { field: 'x', type: 'quantitative', scale: stretchedUnitScale(), axis: stretchedAxis(), title: 'Mean predicted probability of the group' },
      y: { field: 'y', type: 'quantitative', scale: stretchedUnitScale(), axis: stretchedAxis(), title: 'Share of the group that bought again' }
    },
    layer: [
      diagonalLayer(),
      {
        data: { values },
        layer: [
          { mark: { type: 'rule', color: COLOR.model, strokeWidth: 2 }, encoding: { y: { field: 'lower', type: 'quantitative' }, y2: { field: 'upper' } } },
          { mark: { type: 'point', filled: true, size: 50, color: COLOR.model, opacity: 1 } }
        ]
      },
      {
        data: { values: [{ x: 0.75, y: 0.5, label: 'perfectly honest' }] },
        mark: { type: 'text', angle: -37, fontSize: 11, color: COLOR.reference },
        encoding: { text: { field: 'label', type: 'nominal' } }
      }
    ]
  }
}

export interface GainsMark {
  readonly contactedShare: number
  readonly capturedShare: number
}

/** Cumulative gains with the random baseline; `marks` (top 10%, 20%) are labelled with capture and lift. */
export function gainsChartSpec (points: readonly GainsPoint[], marks: readonly GainsMark[]): TopLevelSpec {
  const labelled = marks.map((m) => ({
    x: m.contactedShare,
    y: m.capturedShare,
    label: `top ${percent(m.contactedShare)}: ${percent(m.capturedShare, 1)} of buyers (lift ${(m.capturedShare / m.contactedShare).toFixed(1)}x)`
  }))
  return {
    width: WIDTH_PX,
    height: HEIGHT_PX,
    config: CONFIG,
    description: `Cumulative gains of the test split: ${labelled.map((m) => m.label).join('; ')}`,
    title: 'Cumulative gains',
    encoding: {
      x: { field: 'x', type: 'quantitative', scale: unitScale(), axis: { format: '%' }, title: 'Customers contacted (highest scores first)' },
      y: { field: 'y', type: 'quantitative', scale: unitScale(), axis: { format: '%' }, title: 'Buyers captured' }
    },
    layer: [
      diagonalLayer(),
      {
        data: { values: points.map((p, i) => ({ x: p.contactedShare, y: p.capturedShare, i })) },
        mark: { type: 'line', color: COLOR.model, strokeWidth: 2 },
        encoding: { order: { field: 'i', type: 'quantitative' } }
      },
      {
        data: { values: labelled },
        layer: [
          { mark: { type: 'rule', color: COLOR.accent, strokeDash: [3, 3] }, encoding: { y: { datum: 0 }, y2: { field: 'y' } } },
          { mark: { type: 'point', filled: true, size: 60, color: COLOR.accent, opacity: 1 } },
          { mark: { type: 'text', align: 'left', dx: 8, dy: 12, fontSize: 11, color: COLOR.accent }, encoding: { text: { field: 'label', type: 'nominal' } } }
        ]
      },
      {
        data: { values: [{ x: 0.8, y: 0.7, label: 'random order' }] },
        mark: { type: 'text', angle: -37, fontSize: 11, color: COLOR.reference },
        encoding: { text: { field: 'label', type: 'nominal' } }
      }
    ]
  }
}

/** Overlaid histograms of predicted probabilities for buyers and non-buyers (each as a share of its class), with the threshold. */
export function scoreDistributionChartSpec (bins: readonly ScoreHistogramBin[], threshold: number): TopLevelSpec {
  const values = bins.flatMap((b) => [
    { x: b.lower, x2: b.upper, share: b.nonBuyersShare, group: 'non-buyers' },
    { x: b.lower, x2: b.upper, share: b.buyersShare, group: 'buyers' }
  ])
  return {
    width: WIDTH_PX,
    height: HEIGHT_PX,
    config: CONFIG,
    description: `Histograms of predicted probabilities on the test split for buyers and non-buyers, decision threshold ${threshold.toFixed(3)}`,
    title: 'Score distribution by class',
    layer: [
      {
        data: { values },
        mark: { type: 'bar', opacity: 0.55, binSpacing: 0 },
        encoding: {
          x: { field: 'x', type: 'quantitative', scale: unitScale(), axis: { format: '%' }, title: 'Predicted probability of buying again' },
          x2: { field: 'x2' },
          y: { field: 'share', type: 'quantitative', stack: null, axis: { format: '%' }, title: 'Share of the class' },
          y2: { datum: 0 },
          color: {
            field: 'group',
            type: 'nominal',
            scale: { domain: ['non-buyers', 'buyers'], range: [COLOR.nonBuyers, COLOR.buyers] },
            legend: { title: null, orient: 'top-right' }
          }
        }
      },
      {
        data: { values: [{ x: threshold, label: `threshold ${threshold.toFixed(3)}` }] },
        encoding: { x: { field: 'x', type: 'quantitative' } },
        layer: [
          { mark: { type: 'rule', color: COLOR.accent, strokeWidth: 2, strokeDash: [6, 3] } },
          { mark: { type: 'text', align: 'left', baseline: 'top', dx: 5, y: 4, fontSize: 11, color: COLOR.accent }, encoding: { text: { field: 'label', type: 'nominal' } } }
        ]
      }
    ]
  }
}

const DIRECTION_LEGEND: Readonly<Record<Exclude<DirectionKind, 'unknown'>, { readonly title: string, readonly color: string }>> = {
  'more-likely': { title: 'higher / yes → more likely', color: COLOR.moreLikely },
  'less-likely': { title: 'higher / yes → less likely', color: COLOR.lessLikely },
  unclear: { title: 'no clear direction', color: COLOR.unclear }
}

/**
 * Horizontal bars, largest first: drop in test ROC AUC when each customer field is shuffled (size), coloured
 * and labelled by the direction of the field's link with the probability when the card records it.
 * Fields carry their human labels.
 */
export function featureImportanceChartSpec (importance: readonly FeatureImportance[]): TopLevelSpec {
  const values = [...importance].sort((a, b) => b.aucDrop - a.aucDrop).map((f) => {
    const words = directionWords(f.field, f.direction)
    const kind = directionKind(f.direction)
    return {
      field: fieldLabel(f.field),
      // A negative drop is noise around zero: no bar, the label still gives the figure.
      bar: Math.max(0, f.aucDrop),
      kind: kind === 'unknown' ? 'direction not recorded' : DIRECTION_LEGEND[kind].title,
      label: words === null ? f.aucDrop.toFixed(3) : `${f.aucDrop.toFixed(3)}  ${words}`
    }
  })
  const withDirection = importance.some((f) => directionKind(f.direction) !== 'unknown')
  const kinds = Object.values(DIRECTION_LEGEND)
  const color = withDirection
    ? {
        color: {
          field: 'kind',
          type: 'nominal' as const,
          scale: { domain: kinds.map((k) => k.title), range: kinds.map((k) => k.color) },
          legend: { title: null, orient: 'bottom' as const, direction: 'horizontal' as const, labelLimit: 0 }
        }
      }
    : {}
  return {
    // Narrower than the others: the field names and the direction labels take the rest of the figure's width.
    width: IMPORTANCE_WIDTH_PX,
    height: Math.max(BAR_HEIGHT_PX * 2, BAR_HEIGHT_PX * values.length),
    config: CONFIG,
    description: `Feature importance (drop in ROC AUC when the field is shuffled${withDirection ? ', and direction' : ''}): ` +
      values.map((v) => `${v.field} ${v.label}`).join(', '),
    title: withDirection ? 'What drives the probability, and which way' : 'What drives the probability',
    data: { values },
    encoding: {
      // labelLimit 0: never truncate a field name.
      y: { field: 'field', type: 'nominal', sort: null, title: null, axis: { labelLimit: 0, labelFontSize: 12 } },
      x: { field: 'bar', type: 'quantitative', title: 'Importance: drop in ROC AUC when the field is shuffled' }
    },
    layer: [
      { mark: { type: 'bar', color: COLOR.model, height: { band: 0.7 } }, encoding: color },
      { mark: { type: 'text', align: 'left', dx: 4, fontSize: 11, color: '#334155' }, encoding: { text: { field: 'label', type: 'nominal' } } }
    ]
  }
}

/**
 * Renders a Vega-Lite spec to an SVG element for inlining in HTML. The namespace declarations are
 * dropped: the HTML parser gives inline <svg> its namespace, and the page then names no URL at all.
 * The chart is one image to assistive technology, named by the spec's description (its alt text).
 */
export async function renderSvg (spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' })
  try {
    const svg = (await view.toSVG()).replace(/ xmlns(:xlink)?="[^"]*"/g, '')
    const label = escapeHtml(spec.description ?? (typeof spec.title === 'string' ? spec.title : 'chart'))
    return svg.replace(/^<svg /, `<svg role="img" aria-label="${label}" `)
  } finally {
    view.finalize()
  }
}
