import { refreshIcon } from '@jupyterlab/ui-components';
import React from 'react';

/** The toolbar-style refresh button of the list and of the model view. */
export function RefreshButton(props: { title: string; onRefresh: () => void }): JSX.Element {
  return (
    <button
      className="jp-ToolbarButtonComponent jp-mod-minimal jp-Button mc-RefreshButton"
      title={props.title}
      aria-label="Refresh"
      onClick={props.onRefresh}
    >
      <refreshIcon.react tag="span" className="jp-ToolbarButtonComponent-icon" />
    </button>
  );
}
