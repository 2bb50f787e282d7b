import { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { PageConfig, PathExt } from '@jupyterlab/coreutils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { FileDialog } from '@jupyterlab/filebrowser';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';
import { ReactWidget } from '@jupyterlab/ui-components';
import React from 'react';

import { CatalogClient, CatalogRequestError, IJob, IManifestFile, IModelEntry } from './api';
import { IDetailsActions } from './components/ModelDetails';
import { SaveRequest, showSaveDialog } from './components/SaveDialog';
import { loadModelCode, safeFolderName } from './format';
import { describeStep, pollJob } from './jobs';
import { CatalogEvents } from './model';
import { trainingScriptCandidates } from './provenance';

/** Defaults the save dialog takes from the settings. */
export interface ISaveDefaults {
  projectId: string;
  compartmentId: string;
}

/**
 * What the catalog's commands do. The details view calls the same methods, so a button
 * and its palette command can never drift apart.
 */
export class CatalogActions implements IDetailsActions {
  constructor(
    readonly app: JupyterFrontEnd,
    readonly client: CatalogClient,
    readonly events: CatalogEvents,
    readonly docManager: IDocumentManager | null,
    readonly notebooks: INotebookTracker | null,
    readonly openModel: (id: string) => void,
    readonly closeModel: (id: string) => void,
    readonly saveDefaults: () => ISaveDefaults
  ) {}

  /** Download the artifact zip through the browser. */
  downloadZip(entry: IModelEntry): void {
    const link = document.createElement('a');
    link.href = this.client.artifactUrl(entry.id);
    link.download = `${safeFolderName(entry.display_name, entry.version)}.zip`;
    link.rel = 'noopener';
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  /** Unpack the artifact into a folder of the server's file tree, chosen with a picker. */
  async downloadToFolder(entry: IModelEntry): Promise<void> {
    if (!this.docManager) {
      Notification.error('Downloading to a folder needs the document manager plugin.');
      return;
    }
    const result = await FileDialog.getExistingDirectory({
      manager: this.docManager,
      title: `Download “${entry.display_name}” v${entry.version} into…`,
      label: 'A new folder named after the model is created in the folder you choose.'
    });
    if (!result.button.accept || !result.value) {
      return;
    }
    const folder = result.value[0]?.path ?? '';
    const target = PathExt.join(folder, safeFolderName(entry.display_name, entry.version));
    let force = false;
    for (;;) {
      try {
        const answer = await this.client.downloadToFolder(entry.id, target, force);
        Notification.success(
          `Downloaded “${entry.display_name}” v${entry.version} to ${answer.path}.`,
          {
            autoClose: 6000,
            actions: [
              {
                label: 'Show in file browser',
                callback: () =>
                  void this.app.commands.execute('filebrowser:go-to-path', { path: answer.path })
              }
            ]
          }
        );
        return;
      } catch (error) {
        if (!force && error instanceof CatalogRequestError && error.code === 'target_not_empty') {
          const confirm = await showDialog({
            title: 'Folder not empty',
            body: `${target} already exists and is not empty. Overwrite the files it shares with the model?`,
            buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Overwrite' })]
          });
          if (!confirm.button.accept) {
            return;
          }
          force = true;
          continue;
        }
        Notification.error(`Download failed: ${(error as Error).message}`, { autoClose: false });
        return;
      }
    }
  }

  /** Insert a cell that loads the model into the active notebook, below the active cell. */
  loadInNotebook(entry: IModelEntry): void {
    const panel = this.notebooks?.currentWidget;
    if (!panel) {
      Notification.warning(
        'Open a notebook first: “Load in notebook” inserts a cell into the notebook you used last.',
        { autoClose: 6000 }
      );
      return;
    }
    const notebook = panel.content;
    if (
      notebook.activeCell &&
      notebook.activeCell.model.sharedModel.getSource().trim() === '' &&
      notebook.activeCell.model.type === 'code'
    ) {
      // Reuse an empty code cell rather than leaving it above ours.
    } else {
      NotebookActions.insertBelow(notebook);
    }
    const cell = notebook.activeCell;
    if (cell) {
      if (cell.model.type !== 'code') {
        NotebookActions.changeCellType(notebook, 'code');
      }
      notebook.activeCell!.model.sharedModel.setSource(
        loadModelCode(entry.id, entry.display_name, entry.version)
      );
    }
    this.app.shell.activateById(panel.id);
    Notification.info(
      `Inserted a cell that loads “${entry.display_name}” into ${panel.context.path}.`,
      {
        autoClose: 4000
      }
    );
  }

  async setActive(entry: IModelEntry, active: boolean): Promise<void> {
    try {
      const updated = active
        ? await this.client.activate(entry.id)
        : await this.client.deactivate(entry.id);
      this.events.emitChanged(updated);
    } catch (error) {
      Notification.error((error as Error).message, { autoClose: false });
    }
  }

  /** Delete one entry after a confirmation that names it. */
  async remove(entry: IModelEntry): Promise<void> {
    const confirm = await showDialog({
      title: 'Delete model',
      body: `Delete “${entry.display_name}” version ${entry.version} (${entry.id}) from the catalog? Other versions stay. This cannot be undone.`,
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Delete' })],
      defaultButton: 0
    });
    if (!confirm.button.accept) {
      return;
    }
    try {
      await this.client.deleteModel(entry.id);
      this.events.emitDeleted(entry.id);
      this.closeModel(entry.id);
      Notification.success(`Deleted “${entry.display_name}” v${entry.version}.`, {
        autoClose: 4000
      });
    } catch (error) {
      Notification.error((error as Error).message, { autoClose: false });
    }
  }

  /** Show an artifact file (score.py, requirements.txt, ...) read-only. */
  async viewFile(entry: IModelEntry, file: IManifestFile): Promise<void> {
    let text: string;
    try {
      text = await this.client.artifactFileText(entry.id, file.path);
    } catch (error) {
      Notification.error((error as Error).message, { autoClose: false });
      return;
    }
    const body = ReactWidget.create(
      React.createElement('pre', { className: 'mc-FileView', 'aria-label': file.path }, text)
    );
    await showDialog({
      title: `${entry.display_name} v${entry.version} — ${file.path} (read only)`,
      body,
      buttons: [Dialog.okButton({ label: 'Close' })]
    });
  }

  async findTrainingScript(entry: IModelEntry): Promise<string | null> {
    const contents = this.app.serviceManager.contents;
    const candidates = trainingScriptCandidates(
      entry.provenance,
      PageConfig.getOption('serverRoot')
    );
    for (const path of candidates) {
      try {
        const model = await contents.get(path, { content: false });
        if (model.type !== 'directory') {
          return model.path;
        }
      } catch {
        // not there: try the next guess
      }
    }
    return null;
  }

  openPath(path: string): void {
    void this.app.commands.execute('docmanager:open', { path });
  }

  /** The whole "Save model to catalog…" flow for a notebook or a model file. */
  async save(
    kind: 'notebook' | 'file',
    path: string,
    asNewVersionOf: IModelEntry | null = null
  ): Promise<void> {
    const defaults = this.saveDefaults();
    const choice = await showSaveDialog({
      kind,
      path,
      client: this.client,
      defaultProjectId: defaults.projectId,
      defaultCompartmentId: defaults.compartmentId,
      openNotebook: p => this.openPath(p),
      asNewVersionOf
    });
    if (choice) {
      await this.runSave(choice);
    }
  }

  /** Start a save job and follow it in a notification, which can be left running. */
  async runSave(choice: SaveRequest): Promise<IModelEntry | null> {
    const name = choice.request.display_name;
    const id = Notification.emit(`Saving “${name}” to the catalog…`, 'in-progress', {
      autoClose: false
    });
    let job: IJob;
    try {
      const started =
        choice.kind === 'notebook'
          ? await this.client.saveNotebookModel(choice.request)
          : await this.client.saveModelFile(choice.request);
      job = await pollJob(this.client, started.job_id, current => {
        if (current.state === 'pending' || current.state === 'running') {
          Notification.update({
            id,
            message: `Saving “${name}”: ${describeStep(current)}…`,
            type: 'in-progress',
            autoClose: false,
            progress: typeof current.progress === 'number' ? current.progress : undefined
          } as any);
        }
      });
    } catch (error) {
      this.reportSaveFailure(
        id,
        choice,
        (error as Error).message,
        (error as CatalogRequestError).code,
        (error as CatalogRequestError).details
      );
      return null;
    }
    if (job.state === 'succeeded' && job.model) {
      const entry = job.model;
      this.events.emitAdded(entry);
      Notification.update({
        id,
        message: `Saved “${entry.display_name}” v${entry.version} to the catalog.`,
        type: 'success',
        autoClose: 10000,
        actions: [{ label: 'Open', callback: () => this.openModel(entry.id) }]
      });
      return entry;
    }
    const error = job.error ?? { error: 'failed', message: 'The save failed without a message.' };
    this.reportSaveFailure(id, choice, error.message, error.error, error.details);
    return null;
  }

  private reportSaveFailure(
    id: string,
    choice: SaveRequest,
    message: string,
    code?: string,
    details?: Record<string, any>
  ): void {
    const actions = [];
    let text = `Could not save “${choice.request.display_name}”: ${message}`;
    if (code === 'pending_changes') {
      const files: string[] = details?.files ?? [];
      if (files.length) {
        text += ` (${files.join(', ')})`;
      }
      actions.push({
        label: 'Save anyway',
        callback: () =>
          void this.runSave({
            ...choice,
            request: { ...choice.request, ignore_pending_changes: true }
          } as SaveRequest)
      });
    } else if (code === 'no_kernel' && choice.kind === 'notebook') {
      actions.push({ label: 'Open notebook', callback: () => this.openPath(choice.request.path) });
    }
    Notification.update({ id, message: text, type: 'error', autoClose: false, actions });
  }
}
