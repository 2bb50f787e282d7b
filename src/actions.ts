import { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { PageConfig, PathExt } from '@jupyterlab/coreutils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { FileDialog } from '@jupyterlab/filebrowser';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';
import { IEditorLanguageRegistry } from '@jupyterlab/codemirror';
import { Widget } from '@lumino/widgets';

import { CatalogClient, CatalogRequestError, IJob, IManifestFile, IModelEntry } from './api';
import { IDetailsActions } from './components/ModelDetails';
import { SaveRequest, showSaveDialog } from './components/SaveDialog';
import { notifyFailure } from './errors';
import { formatBytes, loadModelCode, safeFolderName } from './format';
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
    readonly saveDefaults: () => ISaveDefaults,
    /** Highlights artifact files by their language (JupyterLab's CodeMirror languages). */
    readonly languages: IEditorLanguageRegistry | null = null
  ) {}

  /**
   * Download the artifact zip: fetched with its progress in a notification, then handed
   * to the browser. A failure (the model was deleted meanwhile, the server is gone) says so.
   */
  async downloadZip(entry: IModelEntry): Promise<void> {
    const label = `“${entry.display_name}” v${entry.version}`;
    const id = Notification.emit(`Downloading ${label}…`, 'in-progress', { autoClose: false });
    let shown = 0;
    try {
      const blob = await this.client.downloadArtifact(entry.id, (done, total) => {
        const now = Date.now();
        if (now - shown < 250) {
          return; // a notification update per chunk would flood the screen
        }
        shown = now;
        Notification.update({
          id,
          message: `Downloading ${label}: ${formatBytes(done)}${total ? ` of ${formatBytes(total)}` : ''}…`,
          type: 'in-progress',
          autoClose: false,
          progress: total ? Math.min(done / total, 1) : undefined
        });
      });
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = `${safeFolderName(entry.display_name, entry.version)}.zip`;
      link.rel = 'noopener';
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      Notification.update({
        id,
        message: `Downloaded ${label} (${formatBytes(blob.size)}).`,
        type: 'success',
        autoClose: 5000
      });
    } catch (error) {
      notifyFailure(`Could not download ${label}`, error, id);
    }
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
            buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Overwrite' })],
            // A destructive choice never takes the default focus: Enter keeps the files.
            defaultButton: 0
          });
          if (!confirm.button.accept) {
            return;
          }
          force = true;
          continue;
        }
        notifyFailure(
          `Could not download “${entry.display_name}” v${entry.version} to a folder`,
          error
        );
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

  /** Activate or deactivate; says what happened, with an Undo. */
  async setActive(entry: IModelEntry, active: boolean): Promise<void> {
    const label = `“${entry.display_name}” v${entry.version}`;
    try {
      const updated = active
        ? await this.client.activate(entry.id)
        : await this.client.deactivate(entry.id);
      this.events.emitChanged(updated);
      Notification.success(
        active
          ? `Activated ${label}: it is listed again.`
          : `Deactivated ${label}: it is hidden from the list (tick “Show inactive” to see it) and can still be loaded.`,
        {
          autoClose: 6000,
          actions: [{ label: 'Undo', callback: () => void this.setActive(updated, !active) }]
        }
      );
    } catch (error) {
      notifyFailure(`Could not ${active ? 'activate' : 'deactivate'} ${label}`, error);
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
      notifyFailure(`Could not delete “${entry.display_name}” v${entry.version}`, error);
    }
  }

  /** Show an artifact file (score.py, requirements.txt, ...) read-only. */
  async viewFile(entry: IModelEntry, file: IManifestFile): Promise<void> {
    let text: string;
    try {
      text = await this.client.artifactFileText(entry.id, file.path);
    } catch (error) {
      notifyFailure(`Could not show ${file.path}`, error);
      return;
    }
    const pre = document.createElement('pre');
    pre.className = 'mc-FileView cm-s-jupyter';
    pre.setAttribute('aria-label', file.path);
    const language = this.languages?.findByFileName(file.path) ?? null;
    if (this.languages && language) {
      await this.languages.highlight(text, language, pre);
    } else {
      pre.textContent = text;
    }
    const result = await showDialog({
      title: `${entry.display_name} v${entry.version} — ${file.path} (read only)`,
      // (wrapped: the dialog makes its body a flex column, which would stack the spans)
      body: new Widget({ node: wrap(pre) }),
      buttons: [
        Dialog.cancelButton({ label: 'Close' }),
        Dialog.okButton({ label: 'Open a copy in the editor' })
      ],
      defaultButton: 0
    });
    if (result.button.accept) {
      await this.openCopy(entry, file, text);
    }
  }

  /**
   * Write a copy of an artifact file into the server's file tree (artifacts themselves
   * never change) and open it in JupyterLab's editor: `model-files/<name>-v<N>/<path>`.
   */
  async openCopy(entry: IModelEntry, file: IManifestFile, text: string): Promise<void> {
    const contents = this.app.serviceManager.contents;
    const path = PathExt.join(
      'model-files',
      safeFolderName(entry.display_name, entry.version),
      file.path
    );
    try {
      let folder = '';
      for (const part of PathExt.dirname(path).split('/')) {
        folder = folder ? `${folder}/${part}` : part;
        try {
          await contents.get(folder, { content: false });
        } catch {
          await contents.save(folder, { type: 'directory' });
        }
      }
      await contents.save(path, { type: 'file', format: 'text', content: text });
      this.openPath(path);
    } catch (error) {
      notifyFailure(`Could not open a copy of ${file.path}`, error);
    }
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
      if (error instanceof CatalogRequestError && error.status < 500) {
        this.reportSaveFailure(id, choice, error.message, error.code, error.details);
      } else {
        notifyFailure(`Could not save “${name}”`, error, id);
      }
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

/** A div holding `node`. */
function wrap(node: HTMLElement): HTMLElement {
  const div = document.createElement('div');
  div.appendChild(node);
  return div;
}
