// Opens report.html in Debian's chromium through puppeteer-core and checks what an auditor sees.
// usage: node browser_check.js REPORT.html SCREENSHOT.png EXPECTED_ROWS PIDFILE [SIGNER_LABEL]
// With SIGNER_LABEL, exactly one evidence row must name that signer (from the appliance's log)
// with a signing time, and every other verified row must say the log holds no record.
// Every request other than the initial file:// navigation is aborted and counted (the report must
// need none); the browser's PID goes to PIDFILE so the calling script can stop it by PID.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { pathToFileURL } = require('url');
const puppeteer = require('puppeteer-core');

async function main() {
  const [file, shot, wantRows, pidFile, signer] = process.argv.slice(2);
  const url = pathToFileURL(path.resolve(file)).href;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'signet-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: process.env.SIGNET_TEST_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    userDataDir: profile,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  fs.writeFileSync(pidFile, String(browser.process().pid));
  const problems = [];
  try {
    const page = await browser.newPage();
    await page.setRequestInterception(true);
    let initial = 0;
    const outside = [];
    page.on('request', (req) => {
      if (initial === 0 && req.url() === url && req.isNavigationRequest()) {
        initial++;
        req.continue();
      } else {
        outside.push(req.url());
        req.abort();
      }
    });
    await page.setViewport({ width: 1400, height: 900 });
    await page.goto(url, { waitUntil: 'load' });
    const rows = await page.$$eval('#evidence tbody tr.image-row', (r) => r.length);
    const probe = await page.$eval('#probe-row', (r) => r.textContent);
    const chartBars = await page.$$eval('#verdict-chart rect', (r) => r.length);
    const scripts = await page.$$eval('script', (s) => s.length);
    const signings = await page.$$eval('#evidence tbody tr.image-row td.signing', (cells) =>
      cells.map((c) => ({ state: c.dataset.signing, signers: [...c.querySelectorAll('.signer')].map((e) => e.textContent),
                          times: [...c.querySelectorAll('.signed-at')].map((e) => e.textContent) })));
    await page.screenshot({ path: shot, fullPage: true });
    if (rows !== Number(wantRows)) problems.push(`evidence rows: ${rows}, want ${wantRows}`);
    if (!/denied/.test(probe) || /ADMITTED/.test(probe)) problems.push(`probe row: ${probe}`);
    if (chartBars < 2) problems.push(`chart has ${chartBars} rects`);
    if (scripts !== 0) problems.push(`${scripts} script elements`);
    if (signer) {
      const named = signings.filter((c) => c.signers.includes(signer));
      if (named.length !== 1 || named[0].state !== 'logged' || !/^\d{4}-\d\d-\d\dT.*Z$/.test(named[0].times[0] || '')) {
        problems.push(`signer ${signer}: ${JSON.stringify(signings)}`);
      }
      const others = signings.filter((c) => !c.signers.includes(signer));
      if (others.some((c) => c.state !== 'not-logged' && c.state !== 'not-verified')) {
        problems.push(`rows without the signer: ${JSON.stringify(others)}`);
      }
    }
    if (initial !== 1) problems.push(`initial loads: ${initial}`);
    if (outside.length !== 0) problems.push(`requests left the page: ${outside.join(' ')}`);
    console.log(`rows=${rows} probe="${probe.trim()}" outside=${outside.length} chart_rects=${chartBars} ` +
                `signed_rows=${signings.filter((c) => c.state === 'logged').length}`);
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  if (problems.length) {
    console.error(problems.join('\n'));
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
