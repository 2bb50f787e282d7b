import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { CommandIDs } from './commands';
import { CatalogPanel } from './components/CatalogPanel';
import { notifyOnVersionProblem } from './handshake';

const PLUGIN_ID = 'model-catalog-ext:plugin';

/** The side panel, its command, its settings, and the version handshake. */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'A shared catalog of machine-learning models, in a side panel.',
  autoStart: true,
  optional: [ILayoutRestorer, ICommandPalette, ISettingRegistry],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null
  ) => {
    const panel = new CatalogPanel();
    app.shell.add(panel, 'left', { rank: 600 });
    restorer?.add(panel, 'model-catalog-panel');

    app.commands.addCommand(CommandIDs.openPanel, {
      label: 'Open the Model Catalog',
      execute: () => app.shell.activateById(panel.id)
    });
    palette?.addItem({ command: CommandIDs.openPanel, category: 'Model Catalog' });

    if (settingRegistry) {
      settingRegistry.load(PLUGIN_ID).catch(reason => {
        console.error('model-catalog-ext: failed to load settings', reason);
      });
    }

    void notifyOnVersionProblem();
  }
};

export default plugin;
