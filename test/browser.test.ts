// A real server seen through headless Chromium: the model report and the Swagger UI render, with no
// console errors and no failed or outside requests. Screenshots go to bench/results/ (gitignored).
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
import { syntheticPredictions } from './helpers/report.js'

const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'
]
const SCREENSHOT_DIR = join('bench', 'results')
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
 * The committed predictor, serving its own report.html; an artefact trained before reports existed
 * gets one rendered from its card and synthetic test scores, so the page under test is the real renderer's.
 */
async function withReport (predictor: Predictor): Promise<ServingModel> {
  if (predictor.reportHtml !== null) return predictor
  const { scores, labels } = syntheticPredictions(predictor.card.metrics.test.rows, 17)
  const reportHtml = await renderReport({ card: predictor.card, testScores: scores, testLabels: labels })
  return {
    version: predictor.version,
    threshold: predictor.threshold,
    card: predictor.card,
    reportHtml,
    predict: async (customers) => await predictor.predict(customers)
  }
}

/** Opens `url` in a new page that records console errors, page errors, failed, refused and outside requests. */
async function openPage (browser: Browser, base: string, path: string): Promise<{ page: Page, problems: string[] }> {
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
  const response = await page.goto(base + path, { waitUntil: 'load' })
  assert.equal(response?.status(), 200, `GET ${path}`)
  return { page, problems }
}

test('browser - GET /model/report and /docs in headless Chromium - charts drawn, operations listed, no errors', { timeout: 60_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} is not installed (apt-get install -y chromium); the browser checks did not run`)
    return
  }
  const predictor = await loadCommittedPredictor()
  const app = await buildTestApp(await withReport(predictor))
  let browser: Browser | undefined
  try {
    await app.listen({ port: 0, host: '127.0.0.1' })
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: STEP_TIMEOUT_MS })
    await mkdir(SCREENSHOT_DIR, { recursive: true })
    const opened = browser

    await t.test('GET /model/report - five charts with drawn marks, metrics table, no errors', async () => {
      const { page, problems } = await openPage(opened, base, '/model/report')
      assert.match(await page.title(), new RegExp(predictor.version))
      assert.ok(await page.locator('svg').count() >= 5, 'at least five SVG charts')
      for (const [id, selector] of Object.entries(CHART_MARKS)) {
        const figure = page.locator(`figure#${id}`)
        const box = await figure.locator('svg').boundingBox()
        assert.ok(box !== null && box.width > 200 && box.height > 150, `${id} chart is laid out visibly: ${JSON.stringify(box)}`)
        assert.ok(await figure.locator(selector).count() > 0, `${id} chart draws ${selector}`)
        assert.ok(await figure.locator('path, rect').count() > 5, `${id} chart has marks`)
      }
      assert.ok(await page.locator('#metrics tbody tr').count() >= 13, 'metrics table rows')
      assert.ok(await page.locator('table.confusion-matrix').count() === 2, 'confusion matrices')
      await page.screenshot({ path: join(SCREENSHOT_DIR, 'report.png'), fullPage: true })
      assert.deepEqual(problems, [])
      await page.close()
    })

    await t.test('GET /docs - Swagger UI lists the operations, no errors', async () => {
      const { page, problems } = await openPage(opened, base, '/docs')
      const predict = page.locator('.opblock.opblock-post .opblock-summary-path[data-path="/predict"]')
      await predict.waitFor({ state: 'visible' })
      assert.ok(await page.locator('.opblock-get .opblock-summary-path[data-path="/model/report"]').isVisible(), 'GET /model/report listed')
      assert.ok(await page.locator('.opblock').count() >= 5, 'operations listed')
      await page.screenshot({ path: join(SCREENSHOT_DIR, 'docs.png'), fullPage: true })
      assert.deepEqual(problems, [])
      await page.close()
    })
  } finally {
    await browser?.close()
    await app.close()
    predictor.dispose()
  }
})
