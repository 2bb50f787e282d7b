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
