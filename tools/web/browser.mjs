// Drives the GraphiQL playground in headless Chromium: types a query into the editor, runs
// it and prints the result pane's text on stdout. Fails (exit 1) when the page cannot run the
// query or when it loads anything from another origin (the playground must work offline).
//
//   node browser.mjs PAGE_URL QUERY
//
// CHROMIUM overrides the browser (default /usr/bin/chromium); playwright-core never
// downloads one.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [pageURL, query] = process.argv.slice(2);
if (!pageURL || !query) {
  console.error('usage: node browser.mjs PAGE_URL QUERY');
  process.exit(2);
}
const timeout = Number(process.env.BROWSER_TIMEOUT_MS ?? 60000);
const origin = new URL(pageURL).origin;

const userDataDir = await mkdtemp(join(tmpdir(), 'fedgraph-chromium-'));
let context;
let code = 0;
const problems = [];
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    timeout,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(timeout);
  page.on('request', (req) => {
    const url = req.url();
    if (!url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:')) {
      problems.push(`request to another origin: ${url}`);
    }
  });
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()} for ${res.url()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });

  const resp = await page.goto(pageURL, { waitUntil: 'load' });
  if (!resp || resp.status() !== 200) {
    throw new Error(`GET ${pageURL}: status ${resp?.status()}`);
  }

  // GraphiQL 3 uses CodeMirror 5: focus the query editor, clear it and type the query.
  const editor = page.locator('.graphiql-query-editor .CodeMirror').first();
  await editor.waitFor({ state: 'visible' });
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(query, { delay: 5 });
  await page.keyboard.press('Escape'); // close any autocompletion popup
  const typed = await page.evaluate(
    () => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue(),
  );
  // CodeMirror closes brackets as they are typed; compare without whitespace.
  const squash = (s) => s.replace(/\s+/g, '');
  if (squash(typed) !== squash(query)) {
    throw new Error(`editor holds ${JSON.stringify(typed)}, not the typed query`);
  }

  await page.locator('.graphiql-execute-button').click();
  // Wait until the result editor holds a JSON object.
  const handle = await page.waitForFunction(
    () => {
      const cm = document.querySelector('.result-window .CodeMirror');
      const text = cm && cm.CodeMirror ? cm.CodeMirror.getValue() : '';
      return text.trim().startsWith('{') ? text : false;
    },
    null,
    { timeout },
  );
  const result = await handle.jsonValue();
  process.stdout.write(result.trim() + '\n');
} catch (err) {
  console.error(`browser: ${err.stack ?? err}`);
  code = 1;
} finally {
  if (context) await context.close();
  await rm(userDataDir, { recursive: true, force: true });
}
if (problems.length > 0) {
  for (const p of problems) console.error(`browser: ${p}`);
  code = 1;
}
process.exit(code);
