import { expect, test } from '@jupyterlab/galata';

test.describe('Model catalog side panel', () => {
  test('the catalog icon is in the left sidebar and opens the panel', async ({ page }) => {
    const tab = page.locator('.jp-SideBar [data-id="model-catalog-panel"]');
    await expect(tab).toBeVisible();

    await tab.click();
    const panel = page.locator('#model-catalog-panel');
    await expect(panel).toBeVisible();
    await expect(panel.locator('.mc-Panel-header')).toHaveText(/Model Catalog/i);

    await page.screenshot({ path: test.info().outputPath('catalog-panel.png') });
    await test.info().attach('catalog-panel', {
      path: test.info().outputPath('catalog-panel.png'),
      contentType: 'image/png'
    });
  });

  test('no version-mismatch or missing-extension notification', async ({ page }) => {
    await page.waitForTimeout(1000);
    const toasts = page.locator('.Toastify__toast', { hasText: 'Model catalog' });
    await expect(toasts).toHaveCount(0);
  });
});
