import { expect, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';

import { openCatalog, openNewNotebook, row, search, shoot } from './helpers';

const TRAIN = `from sklearn.datasets import load_iris
from sklearn.tree import DecisionTreeClassifier
X, y = load_iris(return_X_y=True, as_frame=True)
clf = DecisionTreeClassifier(max_depth=3).fit(X, y)
X_sample, y_sample = X.head(10), y.head(10)
print("trained", clf.score(X, y))`;

test.describe('Model catalog', () => {
  test('panel lists the seeded models; search narrows it; help explains tokens', async ({
    page
  }, info) => {
    await openCatalog(page);
    for (const name of ['iris-classifier', 'churn-model', 'fraud-detector', 'price-forecast']) {
      await expect(row(page, name).first()).toBeVisible();
    }
    // Inactive models are hidden by default.
    await expect(row(page, 'legacy-scorer')).toHaveCount(0);
    const firstRow = page.locator('.mc-Row').first();
    await expect(firstRow.locator('.mc-Chip').first()).toBeVisible();
    await expect(firstRow.locator('time')).toHaveAttribute(
      'title',
      /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/
    );
    await shoot(page, info, 'panel-light');

    await search(page, 'user:carol');
    await expect(page.locator('#model-catalog-panel .mc-Row')).toHaveCount(1);
    await expect(row(page, 'fraud-detector')).toBeVisible();
    await expect(page.locator('.mc-Token')).toHaveText(['by carol']);

    await search(page, 'tag:team=ml');
    await expect(row(page, 'fraud-detector')).toHaveCount(0);
    await expect(row(page, 'price-forecast')).toBeVisible();

    await search(page, 'state:inactive');
    await expect(page.locator('#model-catalog-panel .mc-Row')).toHaveCount(1);
    await expect(row(page, 'legacy-scorer')).toBeVisible();

    await search(page, 'colour:red');
    await expect(page.locator('.mc-Search-error')).toContainText("Unknown search field 'colour:'");

    await search(page, 'no-such-model-anywhere');
    await expect(page.locator('.mc-EmptyState-noMatch')).toBeVisible();

    await search(page, '');
    await page.getByRole('button', { name: 'Search syntax' }).click();
    await expect(page.locator('.mc-SearchHelp')).toBeVisible();
    await shoot(page, info, 'search-help-light');
    await page.locator('.mc-SearchHelp-example', { hasText: 'user:alice' }).click();
    await expect(page.getByLabel('Search models')).toHaveValue('user:alice');

    await page.theme.setDarkTheme();
    await search(page, '');
    await shoot(page, info, 'panel-dark');
    await page.theme.setLightTheme();
  });

  test('details: edit the description, it persists after a reload; download the zip', async ({
    page
  }, info) => {
    await openCatalog(page);
    await search(page, 'churn');
    await row(page, 'churn-model').locator('.mc-Row-name').click();
    const details = page.locator('.mc-Details');
    await expect(details.locator('.mc-Details-name')).toContainText('churn-model');
    await expect(details.getByRole('button', { name: 'score.py' })).toBeVisible();
    await shoot(page, info, 'details-light');

    const text = `Edited by the UI test at ${Date.now()}`;
    await details.getByRole('button', { name: 'Edit description' }).click();
    await details.getByLabel('description').fill(text);
    await details.getByRole('button', { name: 'Save', exact: true }).click();
    await expect(details.locator('.mc-Details-description')).toContainText(text);

    // (The restored details tab, not the Launcher, is active after a reload.)
    await page.reload({ waitForIsReady: false });
    await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
    await openCatalog(page);
    const tab = page.locator('.lm-TabBar-tab', { hasText: 'churn-model' });
    if (!(await tab.isVisible())) {
      await search(page, 'churn');
      await row(page, 'churn-model').locator('.mc-Row-name').click();
    } else {
      await tab.click();
    }
    await expect(page.locator('.mc-Details-description')).toContainText(text);

    // View score.py read-only.
    await page.locator('.mc-Details').getByRole('button', { name: 'score.py' }).click();
    await expect(page.locator('.mc-FileView')).toContainText('def predict');
    // Highlighted by the language of its name (Python), as JupyterLab's editor would.
    expect(await page.locator('.mc-FileView span').count()).toBeGreaterThan(5);
    await shoot(page, info, 'score-py-light');
    await page.theme.setDarkTheme();
    await shoot(page, info, 'score-py-dark');
    await page.theme.setLightTheme();
    // A copy opens in the editor (the artifact itself never changes).
    await page.getByRole('button', { name: 'Open a copy in the editor' }).click();
    const editorTab = page.locator('.lm-TabBar-tab.jp-mod-current', { hasText: 'score.py' });
    await expect(editorTab).toBeVisible();
    await expect(page.locator('.jp-FileEditor .cm-content').first()).toContainText(
      'def load_model'
    );
    await page.locator('.lm-TabBar-tab', { hasText: 'churn-model' }).first().click();

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('.mc-Details').getByRole('button', { name: 'Download', exact: true }).click()
    ]);
    expect(download.suggestedFilename()).toMatch(/churn-model.*\.zip$/);
    const file = await download.path();
    const names = JSON.parse(
      execFileSync('python3', [
        '-c',
        'import json, sys, zipfile; print(json.dumps(zipfile.ZipFile(sys.argv[1]).namelist()))',
        file!
      ]).toString()
    ) as string[];
    expect(names).toContain('score.py');
    expect(names.some(n => /requirements\.txt$|runtime\.yaml$/.test(n))).toBe(true);

    await page.theme.setDarkTheme();
    await shoot(page, info, 'details-dark');
    await page.theme.setLightTheme();
  });

  test('right-click a notebook, save its model through the dialog, find it; deactivate hides it', async ({
    page,
    tmpPath
  }, info) => {
    await openNewNotebook(page, `${tmpPath}/train.ipynb`);
    await page.notebook.setCell(0, 'code', TRAIN);
    await page.notebook.runCell(0, true);
    await expect(page.locator('.jp-OutputArea-output').first()).toContainText('trained');
    await page.notebook.save();

    await page.sidebar.openTab('filebrowser');
    await page.filebrowser.refresh();
    const item = page.locator('.jp-DirListing-item[data-file-type="notebook"]', {
      hasText: 'train.ipynb'
    });
    await item.click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Save Model to Catalog…' }).click();

    const dialog = page.locator('.mc-SaveDialog');
    await expect(dialog).toBeVisible();
    await expect(dialog.locator('.mc-Variable', { hasText: 'clf' })).toBeVisible({
      timeout: 30000
    });
    const name = `ui-saved-${Date.now()}`;
    await dialog.getByLabel('Name').fill(name);
    await dialog.getByLabel('Description').fill('Saved through the dialog by the UI test.');
    const tags = dialog.getByLabel('Add a tag (key=value)');
    await tags.fill('bad key');
    await expect(dialog.locator('.mc-FieldError')).toBeVisible();
    await expect(dialog.locator('.mc-SaveForm-save')).toBeDisabled();
    await tags.fill('stage:test');
    await tags.press('Enter');
    await expect(dialog.locator('.mc-Chip', { hasText: 'stage' })).toBeVisible();
    await expect(dialog.getByLabel('Input sample')).toHaveValue(/^X/);
    await shoot(page, info, 'save-dialog-light');
    await page.theme.setDarkTheme();
    await shoot(page, info, 'save-dialog-dark');
    await page.theme.setLightTheme();
    await dialog.locator('.mc-SaveForm-save').click();
    await expect(dialog).toHaveCount(0);

    const done = page.locator('.Toastify__toast', { hasText: `Saved “${name}”` });
    const failed = page.locator('.Toastify__toast', { hasText: `Could not save “${name}”` });
    await expect(done.or(failed)).toBeVisible({ timeout: 90000 });
    await expect(failed).toHaveCount(0);
    await shoot(page, info, 'saved-notification-light');

    await openCatalog(page);
    await search(page, name);
    await expect(row(page, name)).toBeVisible();
    await row(page, name).locator('.mc-Row-name').click();
    const details = page.locator('.mc-Details');
    await expect(details.locator('.mc-Details-name')).toContainText(name);
    await expect(details.locator('.mc-Chip', { hasText: 'stage' })).toBeVisible();

    await details.getByRole('button', { name: 'Deactivate' }).click();
    await expect(details.locator('.mc-Details-header .mc-Badge-inactive')).toBeVisible();
    await expect(row(page, name)).toHaveCount(0);
    await page.locator('#model-catalog-panel').getByRole('button', { name: 'Refresh' }).click();
    await expect(page.locator('.mc-Panel-progress.mc-mod-active')).toHaveCount(0);
    await expect(row(page, name)).toHaveCount(0);
    await page.getByLabel('Show inactive').check();
    await expect(row(page, name)).toBeVisible();
  });

  test('load in notebook inserts a cell that loads the model; download to folder unpacks it', async ({
    page,
    tmpPath
  }, info) => {
    await openNewNotebook(page, `${tmpPath}/use.ipynb`);

    await openCatalog(page);
    await search(page, 'iris-classifier');
    await row(page, 'iris-classifier').first().locator('.mc-Row-name').click();
    const details = page.locator('.mc-Details');
    await expect(details.locator('.mc-Details-name')).toContainText('iris-classifier');
    await details.getByRole('button', { name: 'Load in notebook' }).click();

    // The notebook is active again, its (empty) cell now loads the model: run it.
    const source = page
      .locator('.jp-NotebookPanel .jp-Cell')
      .first()
      .locator('.jp-InputArea-editor');
    await expect(source).toContainText('ModelCatalog().get_model(');
    await page.notebook.addCell(
      'code',
      'print("loaded", type(model).__name__, artifact.artifact_dir.is_dir())'
    );
    await page.notebook.run();
    const outputs = page.locator('.jp-NotebookPanel .jp-OutputArea-output');
    await expect(outputs.filter({ hasText: /^loaded \w+ True/ })).toHaveCount(1, {
      timeout: 60000
    });
    await expect(outputs.filter({ hasText: /Traceback|Error/ })).toHaveCount(0);
    await shoot(page, info, 'load-in-notebook-light');

    // Download to folder…: pick tmpPath in the folder dialog; the files land in a new folder.
    const picker = page.locator('.jp-Dialog');
    const downloadInto = async (folder: string) => {
      await page.locator('.lm-TabBar-tab', { hasText: 'iris-classifier' }).first().click();
      await details.getByRole('button', { name: 'Download to folder…' }).click();
      await expect(picker).toContainText('A new folder named after the model');
      await picker.locator('.jp-BreadCrumbs-home').click();
      for (const part of folder.split('/')) {
        await picker.locator('.jp-DirListing-item', { hasText: part }).first().dblclick();
      }
      await expect(picker.locator('.jp-BreadCrumbs')).toContainText(folder.split('/').pop()!);
      await picker.getByRole('button', { name: 'Select' }).click();
    };
    await downloadInto(tmpPath);
    const done = page.locator('.Toastify__toast', { hasText: 'Downloaded “iris-classifier”' });
    await expect(done).toBeVisible({ timeout: 30000 });
    const target = (await done.textContent())!.match(/to (\S+)\./)![1];
    expect(target.startsWith(tmpPath)).toBe(true);
    expect(await page.contents.fileExists(`${target}/score.py`)).toBe(true);

    // Again into the same place: the folder is not empty, so it asks before overwriting.
    await downloadInto(tmpPath);
    await expect(picker).toContainText('already exists and is not empty');
    // Defect 9: a destructive choice never takes the default focus.
    await expect(picker.getByRole('button', { name: 'Cancel' })).toBeFocused();
    await shoot(page, info, 'download-to-folder-overwrite-light');
    await picker.getByRole('button', { name: 'Cancel' }).click();
    await expect(picker).toHaveCount(0);
  });

  test('no kernel: the dialog says so and offers to open the notebook', async ({
    page,
    tmpPath
  }) => {
    await page.contents.uploadContent(
      JSON.stringify({ cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 }),
      'text',
      `${tmpPath}/idle.ipynb`
    );
    await page.filebrowser.refresh();
    await page.locator('.jp-DirListing-item', { hasText: 'idle.ipynb' }).click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Save Model to Catalog…' }).click();
    const dialog = page.locator('.mc-SaveDialog');
    await expect(dialog.locator('.mc-NoKernel')).toContainText('has no running kernel');
    await dialog.getByRole('button', { name: 'Open notebook' }).click();
    await expect(dialog).toHaveCount(0);
    await expect(page.locator('.lm-TabBar-tab', { hasText: 'idle.ipynb' })).toBeVisible();
  });

  test('every command is in the palette under "Model Catalog"', async ({ page }) => {
    await page.keyboard.press('Control+Shift+C');
    const palette = page.locator('#command-palette');
    await expect(palette).toBeVisible();
    await palette.locator('input').fill('model');
    for (const label of [
      'Save Model to Catalog…',
      'Open the Model Catalog',
      'Refresh the Model List'
    ]) {
      await expect(palette.locator('.lm-CommandPalette-item', { hasText: label })).toBeVisible();
    }
  });
});
