import { ReactWidget } from '@jupyterlab/ui-components';
import React from 'react';

import { catalogIcon } from '../icons';

/** Shown while the catalog has no model yet: says how to save the first one. */
export function EmptyCatalog(): JSX.Element {
  return (
    <div className="mc-EmptyState">
      <p>No models in the catalog yet.</p>
      <p>
        Save your first one: right-click a notebook in the file browser and choose
        <em> Save model to catalog…</em>, or run <code>%catalog save MODEL --name NAME</code>{' '}
        in a notebook after <code>%load_ext model_catalog_ext</code>.
      </p>
    </div>
  );
}

/** The left side panel of the model catalog. */
export class CatalogPanel extends ReactWidget {
  constructor() {
    super();
    this.id = 'model-catalog-panel';
    this.addClass('mc-Panel');
    this.title.icon = catalogIcon;
    this.title.caption = 'Model Catalog';
  }

  protected render(): JSX.Element {
    return (
      <>
        <div className="mc-Panel-header">Model Catalog</div>
        <div className="mc-Panel-body">
          <EmptyCatalog />
        </div>
      </>
    );
  }
}
