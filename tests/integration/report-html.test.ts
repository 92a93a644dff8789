/**
 * Opens the rendered report.html the way a person would, in headless Chromium from Debian's package,
 * to catch what string checks cannot: a page the browser rejects, logs errors on, or draws empty.
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { RunReportSchema, writeReport } from '../../lab/report/index.ts';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.log('SKIPPED: chromium not installed (apt-get install chromium)');

const FIXTURE = fileURLToPath(new URL('../../fixtures/reports/sample-report.json', import.meta.url));
const SCREENSHOT = fileURLToPath(new URL('../../reports/test-artifacts/report.png', import.meta.url));
/** Longer than any label column: it must wrap, whole, and stay inside the picture. */
const LONG_NAME = 'time from the leader being killed until a new leader accepts writes and issues certificates again';
/** Setup timeline; failover: ms, count, timeline; quorum loss: ms, count, %, timeline. */
const EXPECTED_CHARTS = 8;

describe.skipIf(!hasChromium)('report.html in headless Chromium', () => {
  let workDir: string;
  let context: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  let pageUrl: string;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'certlab-report-html-'));
    const runDir = join(workDir, 'run');
    const report = RunReportSchema.parse(JSON.parse(await readFile(FIXTURE, 'utf8')));
    report.scenarios[0]!.figures[0]!.name = LONG_NAME;
    await writeReport(runDir, report);
    pageUrl = pathToFileURL(join(runDir, 'report.html')).href;

    // A fresh profile per run: no cached state can make a broken page look fine.
    context = await chromium.launchPersistentContext(join(workDir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1100, height: 900 },
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push(msg.text()); });
    page.on('pageerror', (err) => consoleErrors.push(err.message));
    page.on('request', (req) => requests.push(req.url()));
    await page.goto(pageUrl, { waitUntil: 'load' });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it('loads without console errors', () => {
    expect(consoleErrors).toEqual([]);
  });

  it('fetches nothing but the page itself', () => {
    expect(requests).toEqual([pageUrl]);
  });

  it('shows the run verdict in the title and heading', async () => {
    expect(await page.title()).toBe('certlab run 20250612T091403Z-7f3a — FAILED');
    expect(await page.locator('h1').innerText()).toContain('FAILED');
  });

  it('draws every chart as a visible SVG with bars and labels', async () => {
    const charts = page.locator('figure.chart svg');
    expect(await charts.count()).toBe(EXPECTED_CHARTS);
    expect(await page.locator('svg').count()).toBeGreaterThanOrEqual(EXPECTED_CHARTS);
    for (let i = 0; i < EXPECTED_CHARTS; i++) {
      const box = await charts.nth(i).boundingBox();
      expect(box?.width, `chart ${i}`).toBeGreaterThan(500);
      expect(box?.height, `chart ${i}`).toBeGreaterThan(100);
      expect(await charts.nth(i).locator('path').count(), `chart ${i}`).toBeGreaterThan(2);
    }
    const setup = await charts.first().textContent();
    expect(setup).toContain('Setup timeline');
    expect(setup).toContain('vault · init and unseal vault-0');
  });

  it('shows every label whole inside its chart, a long figure name included, whatever font the browser has', async () => {
    const outside = await page.locator('figure.chart svg').evaluateAll((svgs) => svgs.flatMap((svg, chart) => {
      const box = svg.getBoundingClientRect();
      return Array.from(svg.querySelectorAll('text')).map((t) => ({ chart, text: t.textContent, r: t.getBoundingClientRect() }))
        .filter(({ r }) => r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5)
        .map(({ chart, text, r }) => `chart ${chart}: "${text}" spans x ${Math.round(r.left - box.left)}..${Math.round(r.right - box.left)} of ${Math.round(box.width)}`);
    }));
    expect(outside).toEqual([]);
    const failoverMs = await page.locator('figure.chart[aria-label="vault-leader-failover: figures in ms"] svg text').allTextContents();
    expect(failoverMs.join('')).toContain(`${LONG_NAME} [fault=sigkill]`);
    expect(failoverMs.join('')).not.toContain('...');
  });

  it('draws thresholds as labelled mark lines', async () => {
    const quorumMs = page.locator('figure.chart[aria-label="vault-quorum-loss: figures in ms"] svg');
    const text = await quorumMs.textContent();
    expect(text).toContain('limit ≤ 5,000 ms');
    expect(text).toContain('limit ≤ 3,000 ms');
  });

  it('links the summary table to the scenario sections', async () => {
    await page.locator('table a[href="#scenario-vault-quorum-loss"]').click();
    expect(page.url()).toBe(`${pageUrl}#scenario-vault-quorum-loss`);
    await expect(page.locator('#scenario-vault-quorum-loss').isVisible()).resolves.toBe(true);
  });

  it('takes a full-page screenshot for people to look at', async () => {
    await mkdir(join(SCREENSHOT, '..'), { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    const png = await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(existsSync(SCREENSHOT)).toBe(true);
  });
});
