/** Every command id of the extension, in one place. */
export namespace CommandIDs {
  export const openPanel = 'model-catalog:open-panel';
}
