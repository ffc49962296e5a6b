// Opens a notebook in a running Jupyter Notebook server with headless Chromium, runs all its cells through the
// menus a person would use, and prints one JSON object describing what the page then shows (BrowserTest reads it).
//
//   node run-notebook.mjs URL TOKEN NOTEBOOK OUT_DIR [SHOT=SOURCE_PREFIX ...]
//
// Each SHOT=SOURCE_PREFIX saves OUT_DIR/SHOT.png: a screenshot of the first code cell whose source starts with
// SOURCE_PREFIX, input and output together. Chromium is Debian's /usr/bin/chromium (CHROMIUM overrides it);
// playwright-core never downloads a browser.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [url, token, notebook, outDir, ...shotArgs] = process.argv.slice(2);
if (!outDir) {
  console.error('usage: node run-notebook.mjs URL TOKEN NOTEBOOK OUT_DIR [SHOT=SOURCE_PREFIX ...]');
  process.exit(2);
}
const shots = shotArgs.map(a => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]);
const RUN_TIMEOUT_MS = Number(process.env.RUN_TIMEOUT_MS ?? 120_000);
const log = (...a) => console.error(new Date().toISOString().slice(11, 23), ...a);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const pageErrors = [];
  page.on('pageerror', e => pageErrors.push(String(e)));
  page.on('dialog', d => d.accept());

  await page.goto(`${url}/notebooks/${encodeURIComponent(notebook)}?token=${token}`);
  // The notebook names its kernel (jtiny); if Jupyter asks which kernel to use anyway, choose jtiny.
  const ready = page.waitForFunction(() => window.Jupyter?.notebook?.kernel?.is_connected?.()
      && document.querySelector('#kernel_indicator_icon.kernel_idle_icon'), null, { timeout: 60_000 });
  page.waitForSelector('.modal-dialog select', { timeout: 60_000 }).then(async select => {
    await select.selectOption('jtiny');
    await page.click('.modal-dialog .btn-primary');
  }).catch(() => {});
  await ready;
  log('kernel ready:', await page.evaluate(() => Jupyter.notebook.kernel.name));

  // The copy still holds the outputs it was committed with: clear them, so everything checked below is new.
  await page.click('#celllink');
  await page.hover('#clear_all_output >> xpath=ancestor::li[contains(@class, "dropdown-submenu")]');
  await page.click('#clear_all_output > a');
  await page.waitForFunction(() => document.querySelectorAll('.output_area').length === 0);

  const started = Date.now();
  await page.click('#celllink');
  await page.click('#run_all_cells > a');
  // Run All marks every code cell "In [*]" at once; done when none is left so and the kernel is idle again (a cell
  // the kernel skipped after an unexpected error goes back to "In [ ]", which BrowserTest reports).
  await page.waitForFunction(() => document.querySelector('#kernel_indicator_icon.kernel_idle_icon')
      && ![...document.querySelectorAll('.code_cell .input_prompt')].some(p => p.innerText.includes('*')),
      null, { timeout: RUN_TIMEOUT_MS, polling: 250 });
  const runMs = Date.now() - started;
  log(`ran all cells in ${runMs} ms`);
  // Images decode asynchronously: wait until every one has finished loading (or failed) before measuring.
  await page.waitForFunction(() => [...document.images].every(i => i.complete), null, { timeout: 10_000 });

  const cells = await page.evaluate(() => [...document.querySelectorAll('.cell.code_cell')].map((cell, index) => {
    const source = cell.querySelector('.CodeMirror').CodeMirror.getValue();
    const prompt = cell.querySelector('.input_prompt').innerText.replace(/\s+/g, ' ').trim();
    const outputs = [...cell.querySelectorAll('.output_subarea')].map(o => {
      const kind = ['output_error', 'output_stderr', 'output_html', 'output_svg', 'output_png', 'output_text']
          .find(c => o.classList.contains(c))?.replace('output_', '') ?? o.className;
      return {
        kind,
        text: o.innerText,
        tables: [...o.querySelectorAll('table')].map(t => ({
          classes: t.className,
          caption: t.caption?.innerText ?? '',
          head: [...((t.tHead ?? t).rows[0]?.querySelectorAll('th') ?? [])].map(th => th.innerText),
          rows: [...t.querySelectorAll('tbody tr')].filter(r => r.querySelector('td'))
              .map(r => [...r.children].map(c => c.innerText)),
        })),
        images: [...o.querySelectorAll('img')].map(i => ({
          src: i.src.slice(0, 30), naturalWidth: i.naturalWidth, naturalHeight: i.naturalHeight,
          width: i.getBoundingClientRect().width, height: i.getBoundingClientRect().height,
        })),
        svgs: [...o.querySelectorAll('svg')].map(s => ({
          width: s.getBoundingClientRect().width, height: s.getBoundingClientRect().height,
          texts: s.querySelectorAll('text').length, paths: s.querySelectorAll('path').length,
        })),
      };
    });
    return { index, source, prompt, outputs };
  }));

  mkdirSync(outDir, { recursive: true });
  // The window as a person sees it at the top of the notebook (menus, toolbar, kernel name), then whole cells:
  // without the fixed header over them, in a window tall enough for the longest.
  await page.evaluate(() => document.querySelector('#notebook').scrollIntoView());
  await page.screenshot({ path: join(outDir, 'notebook-window.png') });
  const saved = [join(outDir, 'notebook-window.png')];
  await page.addStyleTag({ content: '#header { display: none !important; }' });
  await page.setViewportSize({ width: 1280, height: 4000 });
  await page.evaluate(() => window.dispatchEvent(new Event('resize')));
  for (const [name, prefix] of shots) {
    const index = cells.findIndex(c => c.source.startsWith(prefix));
    if (index < 0) throw new Error(`no code cell starts with ${JSON.stringify(prefix)} for the screenshot ${name}`);
    const cell = page.locator('.cell.code_cell').nth(index);
    await cell.scrollIntoViewIfNeeded();
    const file = join(outDir, `${name}.png`);
    await cell.screenshot({ path: file });
    saved.push(file);
  }

  console.log(JSON.stringify({
    notebook, kernel: await page.evaluate(() => Jupyter.notebook.kernel.name), runMs, pageErrors, screenshots: saved, cells,
  }));
} catch (e) {
  // What the page showed when it went wrong, for the person reading the test's failure.
  const page = browser.contexts()[0]?.pages()[0];
  if (page) {
    mkdirSync(outDir, { recursive: true });
    await page.screenshot({ path: join(outDir, 'failure.png'), fullPage: true }).catch(() => {});
    const prompts = await page.evaluate(() => [...document.querySelectorAll('.code_cell .input_prompt')]
        .map(p => p.innerText.trim()).join(' ')).catch(() => '(page gone)');
    console.error(`failed; prompts: ${prompts}; screenshot: ${join(outDir, 'failure.png')}`);
  }
  throw e;
} finally {
  await browser.close();
}
