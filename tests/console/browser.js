// The console in a real headless Chromium (Debian's chromium, driven by
// puppeteer-core), on the stack test_console_browser.c started: sign in,
// Link Account through the simulator's consent page (Accept) back to the
// Connections page showing the connection connected, an application
// submitted by API seen `delivered` on the Applications page, Go Live, and
// every other page. Each page is screenshotted into ATSB_SHOTS_DIR and
// checked with axe-core in the same browser: no serious or critical
// violation. Any console error (a CSP violation too), page error, failed
// request or unexpected HTTP error status fails the run.
'use strict';
const fs = require('fs');
const path = require('path');
const puppeteer = require('puppeteer-core');

const consoleUrl = process.env.ATSB_CONSOLE_URL;
const ingestUrl = process.env.ATSB_INGEST_URL;
const simUrl = process.env.ATSB_SIM_URL;
const shots = process.env.ATSB_SHOTS_DIR;
const appJson = fs.readFileSync(process.env.ATSB_APP_JSON, 'utf8');
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const chromium = process.env.ATSB_CHROMIUM || '/usr/bin/chromium';

const problems = [];
// "STATUS URL-prefix" answers a step expects; browsers ask every site for
// its icon, and the simulator (standing in for Lever) has none.
const always = [`404 ${simUrl}/favicon.ico`];
let expected = new Set();
function isExpected(status, url) {
  for (const e of [...always, ...expected]) if (`${status} ${url}`.startsWith(e)) return true;
  return false;
}
let shotNo = 0;

function fail(msg) {
  throw new Error(msg);
}

async function check(page, name) {
  shotNo += 1;
  const file = path.join(shots, `${String(shotNo).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (!page.url().startsWith(consoleUrl)) return; // the simulator's page is not ours to audit
  await page.evaluate(axeSource); // through DevTools: the page's CSP does not apply
  const r = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const res = await axe.run(document, { resultTypes: ['violations'] });
    return res.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  });
  for (const v of r) {
    console.log(`axe ${name}: ${v.impact} ${v.id}: ${v.help} (${v.nodes.join(', ')})`);
    if (v.impact === 'serious' || v.impact === 'critical') problems.push(`axe ${name}: ${v.impact} ${v.id}: ${v.help}`);
  }
  console.log(`page ${name}: ${page.url()} (screenshot ${file}, ${r.length} axe findings)`);
}

async function submit(page, selector) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);
}

async function main() {
  fs.mkdirSync(shots, { recursive: true });
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true, // the new headless mode
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run'],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      // The console line of an expected error answer (reported with the response below).
      const st = /status of (\d+)/.exec(m.text());
      const loc = m.location();
      if (st && loc && loc.url && isExpected(Number(st[1]), loc.url)) return;
      problems.push(`console error on ${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error on ${page.url()}: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure() && r.failure().errorText}`));
    page.on('response', (r) => {
      const st = r.status();
      if (st < 400 || isExpected(st, r.url())) return;
      problems.push(`HTTP ${st} for ${r.url()}`);
    });

    // Sign in.
    await page.goto(`${consoleUrl}/accounts`, { waitUntil: 'load' });
    if (!page.url().startsWith(`${consoleUrl}/sign-in`)) fail(`no redirect to sign-in: ${page.url()}`);
    await check(page, 'sign-in');
    await page.type('#token', 'dev-admin-token');
    await submit(page, 'button[type=submit]');
    if (page.url() !== `${consoleUrl}/accounts`) fail(`signed in to ${page.url()}`);
    await check(page, 'accounts');

    // Link Account: consent page, Accept, back on the Connections page.
    await page.goto(`${consoleUrl}/accounts/demo-lever/connections`, { waitUntil: 'load' });
    await check(page, 'connections');
    await submit(page, '#link-account');
    if (!page.url().startsWith(simUrl)) fail(`Link Account went to ${page.url()}, not the simulator's consent page`);
    await check(page, 'lever-consent');
    await submit(page, 'button[value=accept]');
    if (page.url() !== `${consoleUrl}/accounts/demo-lever/connections?notice=linked`) fail(`after Accept: ${page.url()}`);
    const health = await page.$eval('#connections tbody', (t) => t.innerText);
    if (!/connected/.test(health)) fail(`the connection is not shown connected: ${health}`);
    await check(page, 'connections-linked');

    // An application by API, seen delivered on the Applications page.
    const res = await fetch(`${ingestUrl}/v1/applications`, {
      method: 'POST',
      headers: { Authorization: 'Bearer dev-stepstone-key', 'Content-Type': 'application/json' },
      body: appJson,
    });
    if (res.status !== 202) fail(`application: ${res.status} ${await res.text()}`);
    const appId = (await res.json()).application_id;
    let delivered = false;
    for (let i = 0; i < 60 && !delivered; i++) {
      await page.goto(`${consoleUrl}/applications?account=demo-lever`, { waitUntil: 'load' });
      delivered = await page.evaluate((id) => {
        for (const row of document.querySelectorAll('tbody tr')) {
          if (row.querySelector('th') && row.querySelector('th').innerText.trim() === id) return /\bdelivered\b/.test(row.innerText);
        }
        return false;
      }, appId);
      if (!delivered) await new Promise((r) => setTimeout(r, 1000));
    }
    if (!delivered) fail(`application ${appId} not shown delivered on the Applications page`);
    await check(page, 'applications');
    await page.goto(`${consoleUrl}/applications/${encodeURIComponent(appId)}`, { waitUntil: 'load' });
    const state = await page.$eval('#application-state', (d) => d.innerText);
    if (state.trim() !== 'delivered') fail(`timeline page says ${state}`);
    await check(page, 'application-timeline');

    // A wrong value: the API's error beside the field (422 expected).
    await page.goto(`${consoleUrl}/accounts/demo-lever`, { waitUntil: 'load' });
    await check(page, 'account');
    await page.$eval('#f-daily-api-budget', (i) => { i.value = 'lots'; });
    expected = new Set([`422 ${consoleUrl}/accounts/demo-lever`]);
    await submit(page, 'form.account button[type=submit]');
    const err = await page.$eval('#f-daily-api-budget-error', (e) => e.innerText);
    if (!/integer/.test(err)) fail(`no field error beside the budget: ${err}`);
    await check(page, 'account-field-error');

    expected = new Set();

    // Go Live.
    await page.goto(`${consoleUrl}/accounts/demo-lever`, { waitUntil: 'load' });
    await submit(page, 'form[action$="/go-live"] button');
    const mode = await page.$eval('#current-run-mode', (e) => e.innerText);
    if (mode.trim() !== 'live') fail(`run mode after Go Live: ${mode}`);
    await check(page, 'account-live');

    // The other pages.
    for (const [p, name] of [
      ['/accounts/new', 'account-new'],
      ['/accounts/demo-eploy/connections', 'connections-eploy'],
      ['/deadletters', 'deadletters'],
      ['/exports', 'exports'],
      ['/background-checks', 'background-checks'],
      ['/background-checks?account=demo-lever', 'background-checks-account'],
      ['/applications?board=stepstone_de', 'applications-board'],
    ]) {
      await page.goto(`${consoleUrl}${p}`, { waitUntil: 'load' });
      await check(page, name);
    }

    // Sign out.
    await submit(page, 'header form button');
    if (!page.url().startsWith(`${consoleUrl}/sign-in`)) fail(`after sign-out: ${page.url()}`);
  } finally {
    await browser.close();
  }
  if (problems.length) fail(`${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  console.log('browser test passed');
}

main().catch((e) => {
  console.error(`browser test FAILED: ${e.message}`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
});
