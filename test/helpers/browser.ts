// Real headless Chromium (Debian's /usr/bin/chromium, or $SLUICE_CHROMIUM) driven by puppeteer-core. A browser
// that cannot start fails the test: these tests never skip.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export const CHROMIUM = process.env.SLUICE_CHROMIUM ?? '/usr/bin/chromium';

export interface TestBrowser {
  browser: Browser;
  /** A fresh profile (own cookies) with script-execution tripwires installed before any page script runs. */
  page(viewport?: { width: number; height: number }): Promise<WatchedPage>;
  close(): Promise<void>;
}

export interface WatchedPage {
  page: Page;
  /** alert/confirm/prompt calls and `dialog` events: must stay empty. */
  dialogs: string[];
  /** Content-Security-Policy violations reported by the page. */
  violations(): Promise<string[]>;
  /** Whether any injected payload ran (the corpus sets window.__xss). */
  xss(): Promise<unknown>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'sluice-chromium-'));
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`],
      timeout: 30_000,
    });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw new Error(`Chromium did not start from ${CHROMIUM} (install Debian's chromium, or set SLUICE_CHROMIUM): ${(err as Error).message}`);
  }
  return {
    browser,
    async page(viewport = { width: 1280, height: 900 }) {
      const ctx = await browser.createBrowserContext();
      const page = await ctx.newPage();
      await page.setViewport(viewport);
      const dialogs: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(`${d.type()}: ${d.message()}`);
        void d.dismiss();
      });
      await page.evaluateOnNewDocument(`(() => {
        window.__xss = 0;
        window.__violations = [];
        for (const k of ['alert', 'confirm', 'prompt']) window[k] = (m) => { window.__xss = 'dialog:' + k + ':' + m; };
        document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
      })()`);
      return {
        page,
        dialogs,
        violations: () => page.evaluate('window.__violations') as Promise<string[]>,
        xss: () => page.evaluate('window.__xss'),
      };
    },
    async close() {
      await browser.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
