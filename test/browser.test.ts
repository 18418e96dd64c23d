// A real server seen through headless Chromium: the model report (rendered by today's renderer, for the
// committed card and for a hand-built cross-fitted one) and the Swagger UI render, with no console errors
// and no failed or outside requests. Screenshots go to bench/results/ (gitignored).
// Skips when Debian's chromium is not installed; Playwright never downloads a browser here.
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chromium, type Browser, type Page } from 'playwright-core'
import type { Predictor } from '../src/model/predictor.js'
import type { ServingModel } from '../src/model/serving-model.js'
import { renderReport } from '../src/training/report/render-report.js'
import { buildTestApp, loadCommittedPredictor } from './helpers/app.js'
import { handBuiltCard, skewedPredictions } from './helpers/report-card.js'

const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'
]
const SCREENSHOT_DIR = join('bench', 'results')
/**
 * Full-page screenshots for a person to look at (BROWSER_SCREENSHOTS=1): they are not checked, and the
 * three tall pages cost about 2 s of the suite.
 */
const SCREENSHOTS = process.env.BROWSER_SCREENSHOTS === '1'
const VIEWPORT = { width: 1280, height: 900 }
const STEP_TIMEOUT_MS = 15_000

/** The main mark each report chart must draw (Vega puts marks in g.mark-<type> groups). */
const CHART_MARKS: Readonly<Record<string, string>> = {
  roc: '.mark-line path',
  calibration: '.mark-symbol path',
  gains: '.mark-line path',
  distribution: '.mark-rect path',
  importance: '.mark-rect path'
}

/**
 * The committed predictor, serving a report rendered now from its card (and seeded test scores): the
 * page under test is always the current renderer's, on a real card of whatever shape it was trained with.
 */
async function withCurrentReport (predictor: Predictor): Promise<ServingModel> {
  const { scores, labels } = skewedPredictions(predictor.card.metrics.test.rows, 17)
  const reportHtml = await renderReport({ card: predictor.card, testScores: scores, testLabels: labels })
  return {
    version: predictor.version,
    threshold: predictor.threshold,
    card: predictor.card,
    reportHtml,
    predict: async (customers) => await predictor.predict(customers)
  }
}

/** A new page that records console errors, page errors, failed, refused and outside requests (anything not under `base`). */
async function watchedPage (browser: Browser, base: string): Promise<{ page: Page, problems: string[] }> {
  const page = await browser.newPage({ viewport: VIEWPORT })
  page.setDefaultTimeout(STEP_TIMEOUT_MS)
  const problems: string[] = []
  page.on('console', (message) => { if (message.type() === 'error') problems.push(`console error: ${message.text()}`) })
  page.on('pageerror', (error) => { problems.push(`page error: ${error.message}`) })
  page.on('requestfailed', (request) => { problems.push(`request failed: ${request.url()} (${request.failure()?.errorText ?? '?'})`) })
  page.on('response', (response) => { if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.url()}`) })
  // Nothing may leave this server: an outside URL would also break the page offline.
  await page.route('**/*', async (route) => {
    const url = route.request().url()
    if (url.startsWith(base + '/')) return await route.continue()
    problems.push(`outside request: ${url}`)
    return await route.abort()
  })
  return { page, problems }
}

/** Opens `path` of the server at `base` in a watched page. */
async function openPage (browser: Browser, base: string, path: string): Promise<{ page: Page, problems: string[] }> {
  const opened = await watchedPage(browser, base)
  const response = await opened.page.goto(base + path, { waitUntil: 'load' })
  assert.equal(response?.status(), 200, `GET ${path}`)
  return opened
}

/**
 * What every report must show a reader, whatever the card: the summary first with its key figures and
 * drivers, five drawn charts with alt text, the tables with header scopes, the glossary.
 */
async function checkReportPage (page: Page): Promise<void> {
  assert.equal(await page.locator('h1').count(), 1, 'one h1')
  const headings = await page.locator('h2').allTextContents()
  for (const heading of ['In short', 'Charts', 'The customer fields', 'All metrics', 'Glossary', 'Technical details']) assert.ok(headings.includes(heading), `h2 ${heading} in ${headings.join(' | ')}`)
  assert.equal(headings[0], 'In short', 'the summary comes first')

  const summary = page.locator('section#summary')
  assert.ok(await summary.isVisible(), 'summary visible')
  const summaryText = (await summary.innerText()).replace(/\s+/g, ' ')
  assert.match(summaryText, /What it predicts: for each customer, the chance of buying another audiobook within the next 6 months/)
  assert.match(summaryText, /Ranking \(ROC AUC\) 0\.\d{3}/)
  assert.match(summaryText, /Of the 20% of customers the model ranks highest, \d+\.\d% of all buyers/)
  assert.match(summaryText, /calibration error\) 0\.\d{3}/)
  assert.equal(await summary.locator('li.key-figure').count(), 4, 'four key figures')
  assert.ok(await summary.locator('ol.drivers li').count() >= 1, 'drivers named')
  const summaryBox = await summary.boundingBox()
  const chartsBox = await page.locator('section#charts').boundingBox()
  assert.ok(summaryBox !== null && chartsBox !== null && summaryBox.y < chartsBox.y, 'summary above the charts')

  for (const [id, selector] of Object.entries(CHART_MARKS)) {
    const figure = page.locator(`figure#${id}`)
    const svg = figure.locator('svg')
    const box = await svg.boundingBox()
    assert.ok(box !== null && box.width > 200 && box.height > 150, `${id} chart is laid out visibly: ${JSON.stringify(box)}`)
    assert.ok(await figure.locator(selector).count() > 0, `${id} chart draws ${selector}`)
    assert.ok(await figure.locator('path, rect').count() > 5, `${id} chart has marks`)
    assert.equal(await svg.getAttribute('role'), 'img', `${id} chart is one image to assistive technology`)
    assert.ok((await svg.getAttribute('aria-label') ?? '').length > 20, `${id} chart has alt text`)
    assert.ok((await figure.locator('figcaption').innerText()).length > 40, `${id} chart has a caption`)
  }
  assert.ok(await page.locator('figure#calibration .mark-rule path, figure#calibration .mark-rule line').count() > 0, 'calibration intervals drawn')

  assert.ok(await page.locator('#metrics tbody tr').count() >= 13, 'metrics table rows')
  assert.equal(await page.locator('table th:not([scope])').count(), 0, 'every table header has a scope')
  assert.equal(await page.locator('#fields tbody tr').count(), 10, 'one row per customer field')

  const glossary = page.locator('section#glossary')
  assert.ok(await glossary.isVisible(), 'glossary visible')
  const terms = await glossary.locator('dt').allTextContents()
  for (const term of ['ROC AUC', 'Calibration error (ECE', 'Log loss', 'Brier score', 'PR AUC', 'Capture at top 20%', 'Decision threshold']) {
    assert.ok(terms.some((t) => t.startsWith(term)), `glossary explains ${term}`)
  }
  // Links from the summary and the tables land on glossary terms.
  await page.locator('a[href="#term-roc-auc"]').first().click()
  assert.ok(await page.locator('#term-roc-auc').isVisible(), 'glossary link lands on its term')
}

test('browser - GET /model/report and /docs in headless Chromium - charts drawn, operations listed, no errors', { timeout: 60_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} is not installed (apt-get install -y chromium); the browser checks did not run`)
    return
  }
  const predictor = await loadCommittedPredictor()
  const app = await buildTestApp(await withCurrentReport(predictor))
  let browser: Browser | undefined
  try {
    await app.listen({ port: 0, host: '127.0.0.1' })
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: STEP_TIMEOUT_MS })
    if (SCREENSHOTS) await mkdir(SCREENSHOT_DIR, { recursive: true })
    const opened = browser

    await t.test('GET /model/report - committed card: summary, five charts, tables, glossary, no errors', async () => {
      const { page, problems } = await openPage(opened, base, '/model/report')
      assert.match(await page.title(), new RegExp(predictor.version))
      await checkReportPage(page)
      const card = predictor.card
      const hasQuirks = (card.dataQuirks?.length ?? 0) > 0
      assert.equal(await page.locator('section#quirks').count(), hasQuirks ? 1 : 0, 'quirks section only when the card has quirks')
      const compared = card.metrics.crossValidation !== undefined || card.metrics.validation !== undefined
      assert.equal(await page.locator('table.confusion-matrix').count(), compared ? 2 : 1, 'confusion matrices')
      if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOT_DIR, 'report.png'), fullPage: true })
      assert.deepEqual(problems, [])
      await page.close()
    })

    await t.test('report of a cross-fitted card - quirks, out-of-fold and per-fold figures, directions, no errors', async () => {
      const test = skewedPredictions(1800, 21)
      const card = handBuiltCard('cross-validated', test, skewedPredictions(9000, 22))
      const { page, problems } = await watchedPage(opened, base)
      await page.setContent(await renderReport({ card, testScores: test.scores, testLabels: test.labels }), { waitUntil: 'load' })
      await checkReportPage(page)
      const quirks = page.locator('section#quirks')
      assert.ok(await quirks.isVisible(), 'quirks section visible')
      assert.equal(await quirks.locator('.quirk').count(), card.dataQuirks?.length)
      const headers = await page.locator('#metrics thead th').allTextContents()
      assert.deepEqual(headers, ['Metric', 'Test', 'Out-of-fold (5 folds)', 'Per fold, mean ± std', 'How to read it'])
      assert.match(await page.locator('section#summary ol.drivers').innerText(), /Minutes listened: higher → less likely to buy again/)
      assert.ok(await page.locator('figure#importance .role-legend').count() > 0, 'direction legend drawn')
      if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOT_DIR, 'report-cross-fitted.png'), fullPage: true })
      assert.deepEqual(problems, [])
      await page.close()
    })

    await t.test('GET /docs - Swagger UI lists the operations, no errors', async () => {
      const { page, problems } = await openPage(opened, base, '/docs')
      const predict = page.locator('.opblock.opblock-post .opblock-summary-path[data-path="/predict"]')
      await predict.waitFor({ state: 'visible' })
      assert.ok(await page.locator('.opblock-get .opblock-summary-path[data-path="/model/report"]').isVisible(), 'GET /model/report listed')
      assert.ok(await page.locator('.opblock').count() >= 5, 'operations listed')
      if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOT_DIR, 'docs.png'), fullPage: true })
      assert.deepEqual(problems, [])
      await page.close()
    })
  } finally {
    await browser?.close()
    await app.close()
    predictor.dispose()
  }
})
