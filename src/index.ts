import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import {
  Clipboard,
  ICommandPalette,
  MainAreaWidget,
  Notification,
  WidgetTracker
} from '@jupyterlab/apputils';
import { IEditorLanguageRegistry } from '@jupyterlab/codemirror';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { copyIcon, fileIcon } from '@jupyterlab/ui-components';

import { CatalogActions, ISaveDefaults } from './actions';
import { CatalogClient, IModelEntry } from './api';
import { CommandIDs, PALETTE_CATEGORY } from './commands';
import { CatalogPanel } from './components/CatalogPanel';
import { ModelDetailsWidget } from './components/ModelDetails';
import { loadModelCode } from './format';
import { notifyOnVersionProblem } from './handshake';
import { catalogIcon } from './icons';
import { CatalogEvents, CatalogListModel, ModelDetailsModel } from './model';

const PLUGIN_ID = 'model-catalog-ext:plugin';

/** File types of model files, so the file browser's context menu can target them. */
const MODEL_FILE_TYPES = [
  { name: 'model-catalog-onnx', extensions: ['.onnx'], displayName: 'ONNX model' },
  { name: 'model-catalog-joblib', extensions: ['.joblib'], displayName: 'joblib model' },
  { name: 'model-catalog-pickle', extensions: ['.pkl', '.pickle'], displayName: 'Pickled model' }
];

type DetailsWidget = MainAreaWidget<ModelDetailsWidget>;

/** The side panel, the details views, the save dialogs, their commands and settings. */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'A shared catalog of machine-learning models: side panel, details, save dialogs.',
  autoStart: true,
  optional: [
    ILayoutRestorer,
    ICommandPalette,
    ISettingRegistry,
    IDocumentManager,
    IDefaultFileBrowser,
    INotebookTracker,
    IEditorLanguageRegistry
  ],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null,
    docManager: IDocumentManager | null,
    fileBrowser: IDefaultFileBrowser | null,
    notebooks: INotebookTracker | null,
    languages: IEditorLanguageRegistry | null
  ) => {
    const { commands, shell } = app;
    const client = new CatalogClient(app.serviceManager.serverSettings);
    const events = new CatalogEvents();
    const list = new CatalogListModel(client);
    const saveDefaults: ISaveDefaults = { projectId: '', compartmentId: '' };

    // --- details views in the main area -------------------------------------------
    const tracker = new WidgetTracker<DetailsWidget>({ namespace: 'model-catalog-details' });
    const findDetails = (id: string) => tracker.find(w => w.content.model.id === id);

    const openModel = (id: string): DetailsWidget => {
      const existing = findDetails(id);
      if (existing) {
        shell.activateById(existing.id);
        return existing;
      }
      const model = new ModelDetailsModel(client, events, id);
      const content = new ModelDetailsWidget(model, actions);
      const widget = new MainAreaWidget({ content });
      widget.id = `model-catalog-details-${id}`;
      widget.title.icon = catalogIcon;
      widget.title.label = 'Model';
      widget.title.closable = true;
      void model.load();
      void tracker.add(widget);
      shell.add(widget, 'main');
      shell.activateById(widget.id);
      return widget;
    };
    const closeModel = (id: string) => findDetails(id)?.dispose();

    const actions = new CatalogActions(
      app,
      client,
      events,
      docManager,
      notebooks,
      id => void openModel(id),
      closeModel,
      () => saveDefaults,
      languages
    );

    // --- the side panel ------------------------------------------------------------
    const panel = new CatalogPanel(
      list,
      entry => void commands.execute(CommandIDs.openModel, { id: entry.id })
    );
    shell.add(panel, 'left', { rank: 600 });
    restorer?.add(panel, 'model-catalog-panel');
    // The panel lists models (one row per version set): highlight the shown model's row,
    // also after the details view switched to another of its versions.
    const highlight = () => {
      panel.selectedSetId = tracker.currentWidget?.content.model.entry?.version_set_id ?? null;
    };
    tracker.currentChanged.connect(highlight);
    tracker.widgetAdded.connect((_, widget) => widget.content.model.changed.connect(highlight));
    client
      .capabilities()
      .then(capabilities => {
        panel.capabilities = capabilities;
      })
      .catch(() => undefined); // the version handshake already says what is wrong

    events.entryChanged.connect((_, entry) => list.updateEntry(entry));
    events.entryDeleted.connect((_, id) => list.removeEntry(id));
    events.entryAdded.connect(() => void list.refresh());

    restorer?.restore(tracker, {
      command: CommandIDs.openModel,
      args: widget => ({ id: widget.content.model.id }),
      name: widget => widget.content.model.id
    });

    // --- commands ------------------------------------------------------------------
    /** The row a context menu was opened on. */
    const rowId = (): string | undefined =>
      app.contextMenuHitTest(node => Boolean(node.dataset.modelId))?.dataset.modelId;
    /** Whether the context menu's row is an inactive model (undefined: no row). */
    const rowInactive = (): boolean | undefined =>
      app
        .contextMenuHitTest(node => Boolean(node.dataset.modelId))
        ?.classList.contains('mc-mod-inactive');
    /** The entry a command acts on: its `id` argument, the row of the context menu
     * (`fromRow`), else the active details view's. */
    const target = async (args: any): Promise<IModelEntry | null> => {
      const id = (args?.id as string | undefined) ?? (args?.fromRow ? rowId() : undefined);
      if (id) {
        return findDetails(id)?.content.model.entry ?? (await client.getModel(id));
      }
      return tracker.currentWidget?.content.model.entry ?? null;
    };
    const hasTarget = (args: any) =>
      Boolean(args?.id) ||
      Boolean(args?.fromRow) ||
      Boolean(tracker.currentWidget?.content.model.entry);
    const onEntry = (run: (entry: IModelEntry) => unknown) => async (args: any) => {
      const entry = await target(args);
      if (entry) {
        await run(entry);
      }
    };

    commands.addCommand(CommandIDs.openPanel, {
      label: 'Open the Model Catalog',
      caption: 'Show the model catalog side panel',
      icon: catalogIcon,
      execute: () => shell.activateById(panel.id)
    });
    commands.addCommand(CommandIDs.refresh, {
      label: 'Refresh the Model List',
      execute: () => list.refresh()
    });
    commands.addCommand(CommandIDs.openModel, {
      label: args =>
        args.fromRow ? 'Open' : args.id ? `Open Model ${args.id}` : 'Open Model Details',
      execute: args => {
        const id = (args.id as string | undefined) ?? (args.fromRow ? rowId() : undefined);
        if (id) {
          return openModel(id);
        }
      }
    });
    commands.addCommand(CommandIDs.copyId, {
      label: 'Copy Model Id',
      icon: copyIcon,
      isEnabled: hasTarget,
      execute: onEntry(entry => Clipboard.copyToSystem(entry.id))
    });
    commands.addCommand(CommandIDs.copyLoadCode, {
      label: 'Copy Code That Loads the Model',
      isEnabled: hasTarget,
      execute: onEntry(entry =>
        Clipboard.copyToSystem(loadModelCode(entry.id, entry.display_name, entry.version))
      )
    });
    commands.addCommand(CommandIDs.downloadZip, {
      label: 'Download Model Artifact (zip)',
      isEnabled: hasTarget,
      execute: onEntry(entry => actions.downloadZip(entry))
    });
    commands.addCommand(CommandIDs.downloadToFolder, {
      label: 'Download Model to Folder…',
      isEnabled: hasTarget,
      execute: onEntry(entry => actions.downloadToFolder(entry))
    });
    commands.addCommand(CommandIDs.loadInNotebook, {
      label: 'Load Model in Notebook',
      isEnabled: hasTarget,
      execute: onEntry(entry => actions.loadInNotebook(entry))
    });
    commands.addCommand(CommandIDs.deactivate, {
      label: 'Deactivate Model',
      isEnabled: hasTarget,
      isVisible: args => !args.fromRow || rowInactive() === false,
      execute: onEntry(entry => actions.setActive(entry, false))
    });
    commands.addCommand(CommandIDs.activate, {
      label: 'Activate Model',
      isEnabled: hasTarget,
      isVisible: args => !args.fromRow || rowInactive() === true,
      execute: onEntry(entry => actions.setActive(entry, true))
    });
    commands.addCommand(CommandIDs.remove, {
      label: 'Delete Model…',
      isEnabled: hasTarget,
      execute: onEntry(entry => actions.remove(entry))
    });

    /** The file a save command acts on: `path`, the file browser's selection, or the notebook. */
    const fileTarget = (args: any, fromBrowserFirst: boolean): string | null => {
      if (args?.path) {
        return args.path as string;
      }
      const selected = fileBrowser ? Array.from(fileBrowser.selectedItems())[0] : undefined;
      const current = notebooks?.currentWidget?.context.path ?? null;
      if (fromBrowserFirst || args?.source === 'filebrowser') {
        return selected?.path ?? current;
      }
      return current ?? selected?.path ?? null;
    };
    commands.addCommand(CommandIDs.saveNotebook, {
      label: args => (args.toolbar ? '' : 'Save Model to Catalog…'),
      caption: 'Save a model trained in this notebook to the catalog',
      icon: args => (args.toolbar || args.source === 'filebrowser' ? catalogIcon : undefined),
      execute: async args => {
        const path = fileTarget(args, false);
        if (!path || !path.endsWith('.ipynb')) {
          Notification.warning('Open or select a notebook (.ipynb) to save one of its models.', {
            autoClose: 5000
          });
          return;
        }
        // Saving reads the kernel's variables: make sure the notebook's latest code is on disk.
        const open = notebooks?.find(nb => nb.context.path === path);
        if (open?.context.model.dirty) {
          await open.context.save();
        }
        await actions.save('notebook', path);
      }
    });
    commands.addCommand(CommandIDs.saveFile, {
      label: 'Save Model File to Catalog…',
      caption: 'Save an .onnx, .joblib or .pkl model file to the catalog',
      icon: args => (args.source === 'filebrowser' ? catalogIcon : fileIcon),
      execute: async args => {
        const path = fileTarget(args, true);
        if (!path || !/\.(onnx|joblib|pkl|pickle)$/i.test(path)) {
          Notification.warning('Select an .onnx, .joblib or .pkl file in the file browser first.', {
            autoClose: 5000
          });
          return;
        }
        await actions.save('file', path);
      }
    });

    // The row context menu: what can be done with a model, where the user is.
    const rowMenu: [string, number][] = [
      [CommandIDs.openModel, 0],
      [CommandIDs.loadInNotebook, 1],
      [CommandIDs.copyId, 2],
      [CommandIDs.copyLoadCode, 3],
      [CommandIDs.downloadZip, 4],
      [CommandIDs.downloadToFolder, 5],
      [CommandIDs.deactivate, 6],
      [CommandIDs.activate, 7],
      [CommandIDs.remove, 8]
    ];
    for (const [command, rank] of rowMenu) {
      app.contextMenu.addItem({
        command,
        selector: '#model-catalog-panel .mc-Row',
        rank,
        args: { fromRow: true }
      });
    }

    if (palette) {
      for (const command of [
        CommandIDs.openPanel,
        CommandIDs.refresh,
        CommandIDs.saveNotebook,
        CommandIDs.saveFile,
        CommandIDs.downloadZip,
        CommandIDs.downloadToFolder,
        CommandIDs.loadInNotebook,
        CommandIDs.deactivate,
        CommandIDs.activate,
        CommandIDs.remove,
        CommandIDs.copyId,
        CommandIDs.copyLoadCode
      ]) {
        palette.addItem({ command, category: PALETTE_CATEGORY });
      }
    }

    for (const type of MODEL_FILE_TYPES) {
      if (!app.docRegistry.getFileType(type.name)) {
        app.docRegistry.addFileType({
          ...type,
          contentType: 'file',
          fileFormat: 'base64',
          mimeTypes: ['application/octet-stream'],
          icon: catalogIcon
        });
      }
    }

    // --- settings --------------------------------------------------------------------
    if (settingRegistry) {
      settingRegistry
        .load(PLUGIN_ID)
        .then(settings => {
          const apply = () => {
            saveDefaults.projectId = (settings.get('defaultProjectId').composite as string) || '';
            saveDefaults.compartmentId =
              (settings.get('defaultCompartmentId').composite as string) || '';
            list.setOptions({
              pageSize: (settings.get('pageSize').composite as number) || 100,
              showInactive: Boolean(settings.get('showInactive').composite)
            });
          };
          apply();
          settings.changed.connect(apply);
        })
        .catch(reason => {
          console.error('model-catalog-ext: failed to load settings', reason);
        });
    }

    void notifyOnVersionProblem();
  }
};

export default plugin;
