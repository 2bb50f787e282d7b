/**
 * The model view's History section (issue 23): who changed the model, when and what, newest
 * first, following the changes made in the view, for one version or all; absent when the
 * catalog keeps no history.
 */
import { expect, test } from '@jupyterlab/galata';

import { openCatalog, reloadWithCapabilities, row, search, shoot, uploadCopy } from './helpers';

/** Change a model through the REST API, as another door (or another user) would. */
async function change(page: any, id: string, action: 'tag' | 'deactivate'): Promise<void> {
  await page.evaluate(
    async ({ id, action }: { id: string; action: string }) => {
      const url = `/model-catalog/api/models/${id}`;
      const answer =
        action === 'tag'
          ? await fetch(url, {
              method: 'PATCH',
              headers: { 'Content-Type': 'application/json' },
              body: JSON.stringify({ freeform_tags: { stage: 'production' } })
            })
          : await fetch(`${url}/deactivate`, { method: 'POST' });
      if (!answer.ok) {
        throw new Error(`${action} failed: ${await answer.text()}`);
      }
    },
    { id, action }
  );
}

test.describe('Issue 23: a model’s history in its view', () => {
  test('lists each change with when, who and what, and follows the view’s own changes', async ({
    page
  }, info) => {
    const name = `history-${Date.now()}`;
    const first = await uploadCopy(page, 'fraud-detector', name, {
      freeform_tags: { stage: 'dev' }
    });
    await change(page, first.id, 'tag');
    await change(page, first.id, 'deactivate');
    const actor = await page.evaluate(async (id: string) => {
      const answer = await fetch(`/model-catalog/api/models/${id}`);
      return (await answer.json()).created_by as string;
    }, first.id);

    await openCatalog(page);
    await search(page, `${name} state:all`);
    await row(page, name).locator('.mc-Row-name').click();
    const history = page.locator('.mc-Details').getByRole('region', { name: 'History' });
    const items = history.locator('.mc-History-item');
    await expect(items).toHaveCount(3);
    await expect(items.locator('.mc-History-action')).toHaveText([
      'deactivated',
      'edited',
      'saved'
    ]);
    await expect(items.locator('.mc-History-who')).toHaveText([actor, actor, actor]);
    await expect(items.nth(1)).toContainText('freeform_tags: stage:dev → stage:production');
    await expect(items.nth(2)).toContainText(`display_name="${name}"`);
    await expect(items.first().locator('.mc-History-when')).toHaveText('just now');

    // A change made in the view is in its history at once.
    await page.locator('.mc-Details-actions').getByRole('button', { name: 'Activate' }).click();
    await expect(items).toHaveCount(4);
    await expect(items.first().locator('.mc-History-action')).toHaveText('activated');

    // Every version's changes, each with its version.
    await uploadCopy(page, 'fraud-detector', name, { as_new_version_of: first.id });
    await history.getByLabel('All versions').check();
    await expect(items).toHaveCount(5);
    await expect(items.first().locator('.mc-Badge')).toHaveText('v2');
    await history.scrollIntoViewIfNeeded();
    await shoot(page, info, 'details-history-light');
    await page.theme.setDarkTheme();
    await shoot(page, info, 'details-history-dark');
    await page.theme.setLightTheme();
  });

  test('is absent when the catalog keeps no history', async ({ page }) => {
    await reloadWithCapabilities(
      page,
      { kind: 'oci', label: 'OCI Data Science', location: 'ocid1.compartment.oc1..x' },
      {
        filters: { text: 'slow', name: 'native' },
        sorts: ['time_created', 'name'],
        latest_only: false,
        count_total: false,
        deduplicates: false,
        verify_stored: false,
        garbage_collection: false,
        versions: true,
        history: false,
        projects: false
      }
    );
    await openCatalog(page);
    await search(page, 'price-forecast');
    await row(page, 'price-forecast').first().locator('.mc-Row-name').click();
    await expect(page.locator('.mc-Details .mc-Section-model')).toBeVisible();
    await expect(page.locator('.mc-Details h3', { hasText: 'Versions' })).toBeVisible();
    await expect(page.locator('.mc-History')).toHaveCount(0);
  });
});
