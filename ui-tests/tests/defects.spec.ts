/**
 * The defects of issue 21 ("the panel and the model view, tried as a data scientist
 * would"), each as the user met it.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';

import {
  contrastRatio,
  openCatalog,
  openNewNotebook,
  row,
  search,
  shoot,
  uploadCopy
} from './helpers';

/** Right-click a notebook in the file browser and choose "Save Model to Catalog…". */
async function openSaveDialog(page: IJupyterLabPageFixture, name: string) {
  await page.sidebar.openTab('filebrowser');
  await page.filebrowser.refresh();
  await page.locator('.jp-DirListing-item', { hasText: name }).first().click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Save Model to Catalog…' }).click();
  const dialog = page.locator('.mc-SaveDialog');
  await expect(dialog).toBeVisible();
  return dialog;
}

async function idleNotebook(page: IJupyterLabPageFixture, path: string) {
  await page.contents.uploadContent(
    JSON.stringify({ cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 }),
    'text',
    path
  );
}

test.describe('Issue 21 defects', () => {
  test('1, 2: the save dialog is modal: backdrop, focus kept inside, Escape closes it, focus returns', async ({
    page,
    tmpPath
  }, info) => {
    await idleNotebook(page, `${tmpPath}/idle.ipynb`);
    const dialog = await openSaveDialog(page, 'idle.ipynb');
    await expect(dialog).toContainText('has no running kernel');

    // The dialog covers the whole window (a backdrop), not a transparent band over the menus.
    const box = (await dialog.boundingBox())!;
    const viewport = page.viewportSize()!;
    expect(box.width).toBeGreaterThanOrEqual(viewport.width - 1);
    expect(box.height).toBeGreaterThanOrEqual(viewport.height - 1);
    const backdrop = await dialog.evaluate(node => getComputedStyle(node).backgroundColor);
    expect(backdrop).not.toBe('rgba(0, 0, 0, 0)');
    await shoot(page, info, 'save-dialog-no-kernel-light');

    // Tab never leaves it.
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      expect(await dialog.evaluate(node => node.contains(document.activeElement))).toBe(true);
    }
    // Escape closes it, and the file browser has the focus back.
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);
    expect(
      await page.evaluate(() => Boolean(document.activeElement?.closest('.jp-DirListing')))
    ).toBe(true);
  });

  test('2: Escape closes the dialog when the kernel holds no model, and the search help', async ({
    page,
    tmpPath
  }) => {
    await openNewNotebook(page, `${tmpPath}/empty.ipynb`);
    await page.notebook.setCell(0, 'code', 'x = 1');
    await page.notebook.runCell(0, true);
    await page.notebook.save();
    const dialog = await openSaveDialog(page, 'empty.ipynb');
    await expect(dialog).toContainText('holds no model variable', { timeout: 30000 });
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);

    await openCatalog(page);
    await page.getByRole('button', { name: 'Search syntax' }).click();
    await expect(page.locator('.mc-SearchHelp')).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(page.locator('.mc-SearchHelp')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Search syntax' })).toBeFocused();
  });

  test('3: dark theme: banners and search tokens are readable', async ({ page, tmpPath }, info) => {
    await page.theme.setDarkTheme();
    await openCatalog(page);
    await search(page, 'user:carol tag:team=risk');
    const token = page.locator('.mc-Token-field').first();
    await expect(token).toBeVisible();
    expect(await contrastRatio(token)).toBeGreaterThanOrEqual(4.5);
    await shoot(page, info, 'search-tokens-dark');

    await idleNotebook(page, `${tmpPath}/idle.ipynb`);
    const dialog = await openSaveDialog(page, 'idle.ipynb');
    const banner = dialog.locator('.mc-NoKernel');
    await expect(banner).toBeVisible();
    expect(await contrastRatio(banner.locator('p').first())).toBeGreaterThanOrEqual(4.5);
    await shoot(page, info, 'save-dialog-no-kernel-dark');
    await page.keyboard.press('Escape');
    await page.theme.setLightTheme();
  });

  test('6: a failed download says so; deactivation says what happened', async ({ page }, info) => {
    const doomed = await uploadCopy(page, 'iris-classifier', `doomed-${Date.now()}`);
    await openCatalog(page);
    await search(page, doomed.name);
    await row(page, doomed.name).locator('.mc-Row-name').click();
    const details = page.locator('.mc-Details');
    await expect(details.locator('.mc-Details-name')).toContainText(doomed.name);

    await details.getByRole('button', { name: 'Deactivate' }).click();
    await expect(
      page.locator('.Toastify__toast', { hasText: `Deactivated “${doomed.name}”` })
    ).toBeVisible();

    // Deleted behind the view's back: the download says why it failed.
    await page.evaluate(async id => {
      await fetch(`/model-catalog/api/models/${id}`, { method: 'DELETE' });
    }, doomed.id);
    await details.getByRole('button', { name: 'Download', exact: true }).click();
    const failed = page.locator('.Toastify__toast', { hasText: 'Could not download' });
    await expect(failed).toBeVisible();
    await expect(failed).toContainText('no longer in the catalog');
    await shoot(page, info, 'download-failed-light');
  });

  test('7: one error presentation in the user’s terms; an unreachable server is said plainly', async ({
    page
  }, info) => {
    await openCatalog(page);
    // One handler for the listing, switched between "refused", "the catalog failed" and "pass".
    let mode: 'refused' | 'unavailable' | 'pass' = 'refused';
    await page.route(
      url => url.pathname.endsWith('/model-catalog/api/models'),
      route => {
        if (mode === 'refused') {
          return route.abort('connectionrefused');
        }
        if (mode === 'unavailable') {
          return route.fulfill({
            status: 503,
            contentType: 'application/json',
            body: JSON.stringify({
              error: 'catalog_unavailable',
              message:
                'Cannot open the catalog database sqlite:////secret/place/catalog.db: disk I/O error.'
            })
          });
        }
        return route.continue();
      }
    );
    await page.locator('#model-catalog-panel').getByRole('button', { name: 'Refresh' }).click();
    const panel = page.locator('#model-catalog-panel');
    await expect(panel.locator('.mc-ErrorState')).toContainText(
      'The Jupyter server is not answering'
    );
    await expect(panel.locator('.mc-Row')).toHaveCount(0);
    await expect(panel).not.toContainText('Failed to fetch');
    await shoot(page, info, 'panel-unreachable-light');
    await page.theme.setDarkTheme();
    await shoot(page, info, 'panel-unreachable-dark');
    await page.theme.setLightTheme();

    // The catalog's own failure: no database URL on screen.
    mode = 'unavailable';
    await panel.getByRole('button', { name: 'Retry' }).click();
    await expect(panel.locator('.mc-ErrorState')).toContainText('cannot be opened');
    await expect(panel).not.toContainText('sqlite:');
    mode = 'pass';
    await panel.getByRole('button', { name: 'Retry' }).click();
    await expect(panel.locator('.mc-Row').first()).toBeVisible();

    // A model that is not there: the tab says so, not "Model".
    await page.evaluate(async () => {
      await (window as any).jupyterapp.commands.execute('model-catalog:open-model', {
        id: 'no-such-model-id'
      });
    });
    await expect(page.locator('.mc-Details .mc-ErrorState')).toContainText(
      'no longer in the catalog'
    );
    await expect(page.locator('.lm-TabBar-tab.jp-mod-current')).toContainText('Model not found');
  });

  test('10: the list is one Tab stop; arrows move, Enter opens, the context-menu key opens the menu', async ({
    page
  }) => {
    await openCatalog(page);
    await page.getByLabel('Show inactive').focus();
    await page.keyboard.press('Tab');
    const list = page.locator('#model-catalog-panel .mc-VirtualList');
    await expect(list).toBeFocused();
    await expect(list).toHaveAttribute('role', 'listbox');
    const firstId = await page.locator('#model-catalog-panel .mc-Row').nth(0).getAttribute('id');
    const secondId = await page.locator('#model-catalog-panel .mc-Row').nth(1).getAttribute('id');
    await expect(list).toHaveAttribute('aria-activedescendant', firstId!);
    await page.keyboard.press('ArrowDown');
    await expect(list).toHaveAttribute('aria-activedescendant', secondId!);
    expect(await list.evaluate(node => node.scrollTop)).toBe(0);
    await page.keyboard.press('ArrowUp');
    await expect(list).toHaveAttribute('aria-activedescendant', firstId!);

    // One Tab stop: the next Tab leaves the list (no row takes the focus).
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => Boolean(document.activeElement?.closest('.mc-Row')))).toBe(
      false
    );

    await list.focus();
    await page.keyboard.press('Shift+F10');
    const menu = page.locator('.lm-Menu');
    await expect(menu.getByText('Copy Model Id')).toBeVisible();
    await page.keyboard.press('Escape');
    await list.focus();
    const name = await page.locator(`#${firstId} .mc-Row-name`).textContent();
    await page.keyboard.press('Enter');
    await expect(page.locator('.mc-Details .mc-Details-name')).toContainText(name!);
  });

  test('4, 5, 11: a disabled Save looks disabled; the panel follows version switches; a search waiting for its debounce shows the busy bar', async ({
    page
  }) => {
    await openCatalog(page);
    await search(page, 'iris-classifier');
    await row(page, 'iris-classifier').locator('.mc-Row-name').click();
    const details = page.locator('.mc-Details');
    await expect(details.locator('.mc-Details-name')).toContainText('iris-classifier');

    // 4: the inline tag editor's Save, disabled by a bad tag, looks it.
    await details.getByRole('button', { name: 'Edit tags' }).click();
    await details.getByLabel('Add a tag (key=value)').fill('bad key');
    const save = details.getByRole('button', { name: 'Save', exact: true });
    await expect(save).toBeDisabled();
    expect(Number(await save.evaluate(node => getComputedStyle(node).opacity))).toBeLessThan(0.6);
    await details.getByRole('button', { name: 'Cancel', exact: true }).click();

    // 5: switching versions keeps the model's row highlighted (one row per model).
    const modelRow = row(page, 'iris-classifier');
    await expect(modelRow).toHaveClass(/jp-mod-selected/);
    await details.locator('.mc-Version button', { hasText: 'v1' }).click();
    await expect(details.locator('.mc-Details-header .mc-Badge').first()).toHaveText('v1');
    await expect(modelRow).toHaveClass(/jp-mod-selected/);

    // 11: while a search waits for its debounce, the previous rows show under a busy bar.
    await page.getByLabel('Search models').pressSequentially('x', { delay: 0 });
    await expect(page.locator('.mc-Panel-progress.mc-mod-active')).toHaveCount(1, { timeout: 150 });
  });
});
