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
