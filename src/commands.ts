/** Every command id of the extension, in one place. */
export namespace CommandIDs {
  export const openPanel = 'model-catalog:open-panel';
  export const refresh = 'model-catalog:refresh';
  export const openModel = 'model-catalog:open-model';
  export const downloadZip = 'model-catalog:download-zip';
  export const downloadToFolder = 'model-catalog:download-to-folder';
  export const loadInNotebook = 'model-catalog:load-in-notebook';
  export const deactivate = 'model-catalog:deactivate';
  export const activate = 'model-catalog:activate';
  export const remove = 'model-catalog:delete';
  export const saveNotebook = 'model-catalog:save-notebook';
  export const saveFile = 'model-catalog:save-file';
  export const copyId = 'model-catalog:copy-id';
  export const copyLoadCode = 'model-catalog:copy-load-code';
}

/** The command palette category of every command. */
export const PALETTE_CATEGORY = 'Model Catalog';
