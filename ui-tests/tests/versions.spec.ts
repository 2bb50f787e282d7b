/**
 * The model view's Versions list follows versions saved elsewhere (another user, a kernel,
 * the REST API) while the view is open: on its Refresh button, when its tab is shown again,
 * and with every refresh of its History.
 */
import { expect, test } from '@jupyterlab/galata';

import { openCatalog, row, search, shoot, uploadCopy } from './helpers';

test.describe('Issue 23: a model view’s versions', () => {
  test('shows a version saved elsewhere while the view is open', async ({ page }, info) => {
    const name = `versions-${Date.now()}`;
    const first = await uploadCopy(page, 'fraud-detector', name);

    await openCatalog(page);
    await search(page, name);
    await row(page, name).locator('.mc-Row-name').click();
    const details = page.locator('.mc-Details');
    const versions = details.locator('.mc-Versions .mc-Version');
    await expect(versions).toHaveCount(1);

    // Saved through the REST API, not through this JupyterLab: no event tells the view.
    await uploadCopy(page, 'fraud-detector', name, { as_new_version_of: first.id });
    await details.getByRole('button', { name: 'Refresh' }).click();
    await expect(versions).toHaveCount(2);
    await expect(versions.nth(1)).toContainText('v2');
    await shoot(page, info, 'details-refresh-button');

    // Away to another tab and back: the view reads its versions again.
    await uploadCopy(page, 'fraud-detector', name, { as_new_version_of: first.id });
    await page.evaluate(async () => {
      await (window as any).jupyterapp.commands.execute('launcher:create');
    });
    await expect(details).toBeHidden();
    await page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', { hasText: name }).click();
    await expect(versions).toHaveCount(3);

    // The History's "All versions" and the Versions list agree.
    await uploadCopy(page, 'fraud-detector', name, { as_new_version_of: first.id });
    const history = details.getByRole('region', { name: 'History' });
    await history.getByLabel('All versions').check();
    await expect(history.locator('.mc-History-item .mc-Badge').first()).toHaveText('v4');
    await expect(versions).toHaveCount(4);
    await expect(versions.locator('button')).toHaveText([
      `v1 · ${name}`,
      `v2 · ${name}`,
      `v3 · ${name}`,
      `v4 · ${name}`
    ]);
    await details.locator('h3', { hasText: 'Versions' }).scrollIntoViewIfNeeded();
    await shoot(page, info, 'details-versions-refreshed');
  });
});
