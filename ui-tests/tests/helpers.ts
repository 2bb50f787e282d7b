import { expect, IJupyterLabPageFixture } from '@jupyterlab/galata';
import { TestInfo } from '@playwright/test';
import * as path from 'path';

/** Open the catalog side panel and wait for its first rows. */
export async function openCatalog(page: IJupyterLabPageFixture): Promise<void> {
  const tab = page.locator('.jp-SideBar [data-id="model-catalog-panel"]');
  await tab.waitFor();
  const panel = page.locator('#model-catalog-panel');
  if (!(await panel.isVisible())) {
    await tab.click();
  }
  await expect(panel).toBeVisible();
  await expect(panel.locator('.mc-Row').first()).toBeVisible({ timeout: 30000 });
}

/**
 * Create a notebook with one empty code cell at `path` and open it. (Galata's
 * notebook.createNew renames Untitled.ipynb behind the session's back, so the kernel's
 * session keeps the old path: create the file first, then open it.)
 */
export async function openNewNotebook(page: IJupyterLabPageFixture, path: string): Promise<void> {
  await page.contents.uploadContent(
    JSON.stringify({
      cells: [{ cell_type: 'code', source: '', metadata: {}, outputs: [], execution_count: null }],
      metadata: {
        kernelspec: { name: 'python3', display_name: 'Python 3 (ipykernel)', language: 'python' }
      },
      nbformat: 4,
      nbformat_minor: 5
    }),
    'text',
    path
  );
  await page.notebook.openByPath(path);
  await expect(page.locator('.jp-NotebookPanel .jp-Cell').first()).toBeVisible();
}

/** A row of the list by its display name. */
export function row(page: IJupyterLabPageFixture, name: string) {
  return page.locator('#model-catalog-panel .mc-Row', {
    has: page.locator('.mc-Row-name', { hasText: new RegExp(`^${name}$`) })
  });
}

/** Type a search and wait until the list settled on it. */
export async function search(page: IJupyterLabPageFixture, text: string): Promise<void> {
  const input = page.getByLabel('Search models');
  await input.fill(text);
  await expect(page.locator('.mc-Panel-progress.mc-mod-active')).toHaveCount(0, { timeout: 15000 });
  await page.waitForTimeout(300); // the debounce, then the answer
  await expect(page.locator('.mc-Panel-progress.mc-mod-active')).toHaveCount(0, { timeout: 15000 });
}

/** Save a screenshot under test-results/screenshots/ and attach it to the report. */
export async function shoot(
  page: IJupyterLabPageFixture,
  info: TestInfo,
  name: string
): Promise<void> {
  const file = path.join(info.project.outputDir, 'screenshots', `${name}.png`);
  await page.screenshot({ path: file });
  await info.attach(name, { path: file, contentType: 'image/png' });
}

/**
 * The WCAG contrast ratio of an element's text against the first opaque background behind
 * it (its own or an ancestor's).
 */
export async function contrastRatio(
  locator: ReturnType<IJupyterLabPageFixture['locator']>
): Promise<number> {
  return locator.evaluate(node => {
    const rgb = (text: string) => (text.match(/[\d.]+/g) || []).map(Number);
    const luminance = ([r, g, b]: number[]) => {
      const channel = (c: number) => {
        const v = c / 255;
        return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
      };
      return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    };
    const fg = rgb(getComputedStyle(node).color);
    let el: Element | null = node;
    let bg = [255, 255, 255];
    while (el) {
      const parts = rgb(getComputedStyle(el).backgroundColor);
      if (parts.length >= 3 && (parts.length < 4 || parts[3] > 0.5)) {
        bg = parts;
        break;
      }
      el = el.parentElement;
    }
    const [a, b] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
    return (a + 0.05) / (b + 0.05);
  });
}

/**
 * Save a copy of a seeded model's artifact under a new name, through the REST API; with
 * `asNewVersionOf` it becomes the next version of that model. Returns the new entry.
 */
export async function uploadCopy(
  page: IJupyterLabPageFixture,
  seededName: string,
  name: string,
  metadata: Record<string, unknown> = {}
): Promise<{ id: string; name: string; version: number }> {
  return page.evaluate(
    async ({ seededName, name, metadata }) => {
      const api = '/model-catalog/api';
      const list = await (
        await fetch(
          `${api}/models?state=ALL&limit=1&q=${encodeURIComponent(`name:"${seededName}"`)}`
        )
      ).json();
      const zip = await (await fetch(`${api}/models/${list.items[0].id}/artifact`)).blob();
      const meta = encodeURIComponent(JSON.stringify({ display_name: name, ...metadata }));
      const answer = await fetch(`${api}/models?metadata=${meta}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/zip' },
        body: zip
      });
      const entry = await answer.json();
      if (!answer.ok) {
        throw new Error(`upload failed: ${JSON.stringify(entry)}`);
      }
      return {
        id: entry.id as string,
        name: entry.display_name as string,
        version: entry.version as number
      };
    },
    { seededName, name, metadata }
  );
}

/** Reload the lab with GET capabilities answering for another backend (what it is and can do). */
export async function reloadWithCapabilities(
  page: IJupyterLabPageFixture,
  backend: { kind: string; label: string; location: string },
  capabilities: Record<string, unknown> | null
): Promise<void> {
  await page.route('**/model-catalog/api/capabilities', route =>
    route.fulfill({
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({ version: '0.1.0', api: 1, backend, capabilities })
    })
  );
  await page.reload({ waitForIsReady: false });
  await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
}
