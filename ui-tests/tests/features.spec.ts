/**
 * What a data scientist missed (issue 21): one row per model, sort by update, one tag
 * grammar, actions where the user is, what the model is, comparing versions, and which
 * catalog the panel shows.
 */
import { expect, test } from '@jupyterlab/galata';

import { openCatalog, reloadWithCapabilities, row, search, shoot, uploadCopy } from './helpers';

test.describe('Issue 21: what a data scientist misses', () => {
  test('one row per model with its version count, and the total', async ({ page }, info) => {
    await openCatalog(page);
    await search(page, 'iris-classifier');
    await expect(row(page, 'iris-classifier')).toHaveCount(1);
    await expect(row(page, 'iris-classifier').locator('.mc-Row-version')).toHaveText(
      'v2 · 2 versions'
    );
    await search(page, '');
    const total = await page.evaluate(async () => {
      const r = await fetch('/model-catalog/api/models?latest=true&total=true&limit=1');
      return (await r.json()).total as number;
    });
    await expect(page.locator('.mc-Panel-status')).toHaveText(`${total.toLocaleString()} models`);
    await shoot(page, info, 'panel-one-row-per-model-light');
  });

  test('sort by Updated puts the last edited model first', async ({ page }) => {
    await openCatalog(page);
    const fraud = await page.evaluate(async () => {
      const list = await (
        await fetch('/model-catalog/api/models?q=name:fraud-detector&limit=1')
      ).json();
      const id = list.items[0].id as string;
      await fetch(`/model-catalog/api/models/${id}`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ description: `Flags suspicious card transactions (${Date.now()}).` })
      });
      return id;
    });
    await page.getByLabel('Sort by').selectOption({ label: 'Updated' });
    await expect(page.locator('.mc-Panel-progress.mc-mod-active')).toHaveCount(0);
    await expect(page.locator('#model-catalog-panel .mc-Row').first()).toHaveAttribute(
      'data-model-id',
      fraud
    );
  });

  test('tags: chips filter the list; editors accept key=value, key:value and tag:key=value', async ({
    page
  }, info) => {
    await openCatalog(page);
    await search(page, 'fraud-detector');
    await row(page, 'fraud-detector').locator('.mc-Chip', { hasText: 'team' }).click();
    await expect(page.getByLabel('Search models')).toHaveValue('fraud-detector tag:team=risk');
    await expect(page.locator('.mc-Token-field')).toHaveText(['tag team = risk']);
    await expect(page.locator('.mc-Details')).toHaveCount(0); // the chip filtered, it did not open

    const copy = await uploadCopy(page, 'fraud-detector', `tagged-${Date.now()}`);
    await search(page, copy.name);
    await row(page, copy.name).locator('.mc-Row-name').click();
    const details = page.locator('.mc-Details');
    await details.getByRole('button', { name: 'Edit tags' }).click();
    const input = details.getByLabel('Add a tag (key=value)');
    for (const typed of ['stage=prod', 'owner:alice', 'tag:env=dev']) {
      await input.fill(typed);
      await input.press('Enter');
    }
    await details.getByRole('button', { name: 'Save', exact: true }).click();
    for (const [key, value] of [
      ['stage', 'prod'],
      ['owner', 'alice'],
      ['env', 'dev']
    ]) {
      await expect(details.locator('.mc-Chip', { hasText: key })).toContainText(value);
    }
    await shoot(page, info, 'details-tags-light');
  });

  test('row context menu: open, load, copy, download, (de)activate, delete', async ({
    page
  }, info) => {
    await openCatalog(page);
    await search(page, 'churn-model');
    await row(page, 'churn-model').click({ button: 'right' });
    const menu = page.locator('.lm-Menu');
    for (const label of [
      'Open',
      'Load Model in Notebook',
      'Copy Model Id',
      'Copy Code That Loads the Model',
      'Download Model Artifact (zip)',
      'Download Model to Folder…',
      'Deactivate Model',
      'Delete Model…'
    ]) {
      await expect(menu.getByText(label, { exact: true })).toBeVisible();
    }
    await expect(menu.getByText('Activate Model', { exact: true })).toBeHidden();
    await shoot(page, info, 'row-context-menu-light');
    await page.theme.setDarkTheme();
    await shoot(page, info, 'row-context-menu-dark');
    await page.theme.setLightTheme();
    await menu.getByText('Open', { exact: true }).click();
    await expect(page.locator('.mc-Details .mc-Details-name')).toContainText('churn-model');
  });

  test('the model view says what the model is; Load in notebook leads, Delete is quiet', async ({
    page
  }, info) => {
    await openCatalog(page);
    await search(page, 'price-forecast');
    await row(page, 'price-forecast').locator('.mc-Row-name').click();
    const details = page.locator('.mc-Details');
    const model = details.locator('.mc-Section-model');
    await expect(model).toContainText('Hyperparameters');
    await expect(model.locator('.mc-Hyperparameters')).toContainText('max_iter');
    await expect(model).toContainText('Verification');
    // Seeded after verify(): the result and each check are shown.
    await expect(model.locator('.mc-Verification .mc-Badge')).toHaveText(/passed|failed/);
    expect(await model.locator('.mc-Checks li').count()).toBeGreaterThan(0);
    // ... and when it ran.
    await expect(model.locator('.mc-Verification time')).toHaveAttribute(
      'datetime',
      /^\d{4}-\d\d-\d\dT/
    );
    await expect(
      details.getByRole('link', { name: 'https://github.com/example/models.git' })
    ).toHaveAttribute('href', 'https://github.com/example/models');
    const first = details.locator('.mc-Details-actions button').first();
    await expect(first).toHaveText(/Load in notebook/);
    await expect(first).toHaveClass(/jp-mod-accept/);
    await expect(details.getByRole('button', { name: 'Delete…' })).not.toHaveClass(/jp-mod-warn/);
    await shoot(page, info, 'details-what-the-model-is-light');
    await page.theme.setDarkTheme();
    await shoot(page, info, 'details-what-the-model-is-dark');
    await page.theme.setLightTheme();
  });

  test('compare two of 20 versions: tags, metadata and provenance that changed', async ({
    page
  }, info) => {
    test.setTimeout(240000);
    const name = `twenty-${Date.now()}`;
    const first = await uploadCopy(page, 'churn-model', name, { freeform_tags: { run: '1' } });
    for (let i = 2; i <= 20; i++) {
      await uploadCopy(page, 'churn-model', name, {
        freeform_tags: { run: String(i), ...(i === 20 ? { stage: 'prod' } : {}) },
        description: `run ${i}`,
        as_new_version_of: first.id
      });
    }
    await openCatalog(page);
    await search(page, name);
    await expect(row(page, name).locator('.mc-Row-version')).toHaveText('v20 · 20 versions');
    await row(page, name).locator('.mc-Row-name').click();
    const details = page.locator('.mc-Details');
    await expect(details.locator('.mc-Version')).toHaveCount(20);
    await details.getByLabel('Older version').selectOption({ label: 'v1' });
    await expect(details.getByLabel('Newer version')).toHaveValue(/.+/);
    await details.getByRole('button', { name: 'Compare', exact: true }).click();
    const table = details.getByRole('table', { name: 'Differences between the versions' });
    const tags = table.locator('tr', { hasText: 'Tags' });
    await expect(tags.filter({ hasText: 'run (changed)' })).toContainText('20');
    await expect(tags.filter({ hasText: 'stage' })).toContainText('added');
    await expect(table.locator('tr', { hasText: 'description' })).toContainText('run 20');
    await table.scrollIntoViewIfNeeded();
    await shoot(page, info, 'compare-versions-light');
    await page.theme.setDarkTheme();
    await shoot(page, info, 'compare-versions-dark');
    await page.theme.setLightTheme();
  });

  test('the panel header says which catalog it shows', async ({ page }, info) => {
    await reloadWithCapabilities(
      page,
      { kind: 'sqlite', label: 'SQLite', location: '/home/me/.model-catalog/catalog.db' },
      null
    );
    await openCatalog(page);
    await expect(page.locator('.mc-Panel-source')).toHaveText(
      'SQLite · /home/me/.model-catalog/catalog.db'
    );
    await shoot(page, info, 'panel-header-catalog-light');
    await page.theme.setDarkTheme();
    await shoot(page, info, 'panel-header-catalog-dark');
    await page.theme.setLightTheme();
  });

  test('the panel shows the real catalog, and follows what its backend can do', async ({
    page
  }, info) => {
    // The real route first: the embedded catalog, by its path.
    await openCatalog(page);
    await expect(page.locator('.mc-Panel-source')).toContainText('Embedded catalog · ');
    await expect(page.locator('.mc-Panel-source')).toContainText('catalog.db');

    // A backend that cannot list one row per model, count, sort by update or filter tags
    // natively (the OCI service, say).
    const capabilities = {
      filters: { text: 'slow', tags: 'slow', name: 'native', created_by: 'native' },
      sorts: ['time_created', 'name'],
      latest_only: false,
      count_total: false,
      deduplicates: false,
      verify_stored: false,
      garbage_collection: false,
      versions: true,
      history: false,
      projects: true
    };
    const queries: string[] = [];
    page.on('request', request => {
      if (request.url().includes('/model-catalog/api/models?')) {
        queries.push(request.url());
      }
    });
    await reloadWithCapabilities(
      page,
      { kind: 'oci', label: 'OCI Data Science', location: 'oci://eu-frankfurt-1/compartment' },
      capabilities
    );
    await openCatalog(page);
    await expect(page.locator('.mc-Panel-source')).toHaveText(
      'OCI Data Science · oci://eu-frankfurt-1/compartment'
    );
    await expect(page.getByLabel('Sort by').locator('option')).toHaveText(['Created', 'Name']);
    await search(page, 'tag:team=ml');
    await expect(page.locator('.mc-Search-note')).toContainText(
      'applies tag filters after fetching'
    );
    await shoot(page, info, 'panel-slow-filters-light');
    expect(queries.length).toBeGreaterThan(0);
    expect(
      queries.filter(url => url.includes('latest=true') || url.includes('total=true'))
    ).toEqual([]);
  });
});
