import { ReactWidget, refreshIcon, searchIcon } from '@jupyterlab/ui-components';
import React, { useCallback, useRef, useState } from 'react';

import { IModelEntry, SortField } from '../api';
import { exactTime, frameworkOf, relativeTime } from '../format';
import { catalogIcon } from '../icons';
import { CatalogListModel } from '../model';
import { describeToken, parseSearch } from '../search';
import { useModelChanges } from './useModelChanges';
import { TagChips } from './TagChips';
import { VirtualList } from './VirtualList';

/** Height of one list row, in pixels (the virtual list needs fixed heights). */
export const ROW_HEIGHT = 64;

/** Shown while the catalog has no model yet: says how to save the first one. */
export function EmptyCatalog(): JSX.Element {
  return (
    <div className="mc-EmptyState">
      <catalogIcon.react tag="div" className="mc-EmptyState-icon" />
      <p className="mc-EmptyState-title">No models in the catalog yet.</p>
      <p>
        Save your first one: right-click a notebook in the file browser and choose
        <em> Save model to catalog…</em>, or run <code>%catalog save MODEL --name NAME</code> in a
        notebook after <code>%load_ext model_catalog_ext</code>.
      </p>
    </div>
  );
}

const HELP_EXAMPLES: [string, string][] = [
  ['churn', 'free text in the name or description'],
  ['tag:version=3', 'a tag with exactly this value'],
  ['tag:team=ml*', 'a tag value starting with…'],
  ['tag:reviewed', 'models that have the tag'],
  ['user:alice', 'saved by alice'],
  ['framework:sklearn', 'by framework'],
  ['state:inactive', 'inactive models (or state:all)'],
  ['name:"churn model"', 'quotes group words']
];

/** The popover explaining the search grammar; clicking an example adds it. */
function SearchHelp(props: { onPick: (example: string) => void; onClose: () => void }) {
  return (
    <div className="mc-SearchHelp" role="dialog" aria-label="Search help">
      <div className="mc-SearchHelp-title">Search tokens (combine them; all must match)</div>
      <table>
        <tbody>
          {HELP_EXAMPLES.map(([example, text]) => (
            <tr key={example}>
              <td>
                <button
                  className="mc-LinkButton mc-SearchHelp-example"
                  onClick={() => props.onPick(example)}
                >
                  <code>{example}</code>
                </button>
              </td>
              <td>{text}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <button
        className="jp-Button jp-mod-styled jp-mod-reject mc-SearchHelp-close"
        onClick={props.onClose}
      >
        Close
      </button>
    </div>
  );
}

/** One row of the list. */
function ModelRow(props: {
  entry: IModelEntry;
  selected: boolean;
  onOpen: (entry: IModelEntry) => void;
}): JSX.Element {
  const { entry } = props;
  const framework = frameworkOf(entry.defined_metadata);
  const inactive = entry.lifecycle_state === 'INACTIVE';
  return (
    <div
      className={`mc-Row${inactive ? ' mc-mod-inactive' : ''}${props.selected ? ' jp-mod-selected' : ''}`}
      data-model-id={entry.id}
      tabIndex={0}
      onClick={() => props.onOpen(entry)}
      onKeyDown={event => {
        if (event.key === 'Enter') {
          props.onOpen(entry);
        }
      }}
      title={entry.description || entry.display_name}
    >
      <div className="mc-Row-line">
        <span className="mc-Row-name">{entry.display_name}</span>
        <span className="mc-Row-version">v{entry.version}</span>
        {inactive && <span className="mc-Badge mc-Badge-inactive">inactive</span>}
        <span className="mc-Row-spacer" />
        {framework && <span className="mc-Row-framework">{framework}</span>}
      </div>
      <div className="mc-Row-line mc-Row-tags">
        <TagChips tags={entry.freeform_tags} max={4} />
      </div>
      <div className="mc-Row-line mc-Row-meta">
        <span className="mc-Row-author">{entry.created_by || 'unknown'}</span>
        <span className="mc-Row-dot">·</span>
        <time
          className="mc-Row-time"
          dateTime={entry.time_created}
          title={exactTime(entry.time_created)}
        >
          {relativeTime(entry.time_created)}
        </time>
      </div>
    </div>
  );
}

const SORT_LABELS: Record<SortField, string> = {
  time_created: 'Created',
  name: 'Name',
  version: 'Version'
};

/** The panel's whole view: toolbar, search, the virtual list and its states. */
export function CatalogView(props: {
  model: CatalogListModel;
  onOpen: (entry: IModelEntry) => void;
  selectedId?: string | null;
}): JSX.Element {
  const { model } = props;
  useModelChanges(model);
  const [helpOpen, setHelpOpen] = useState(false);
  const searchRef = useRef<HTMLInputElement>(null);
  const options = model.options;
  const parsed = parseSearch(options.search);

  const onNearEnd = useCallback(() => void model.loadMore(), [model]);
  const setSearch = (search: string) => model.setOptions({ search });

  let body: React.ReactNode;
  if (model.items.length === 0 && model.loaded && !model.refreshing) {
    const filtering = options.search.trim() !== '';
    body = filtering ? (
      <div className="mc-EmptyState mc-EmptyState-noMatch">
        <p>No model matches “{options.search}”.</p>
        <p>
          {options.showInactive || parsed.setsState
            ? 'Try fewer words or tokens.'
            : 'Inactive models are hidden; tick “Show inactive” to include them.'}
        </p>
      </div>
    ) : options.showInactive ? (
      <EmptyCatalog />
    ) : (
      <EmptyCatalog />
    );
  } else if (model.items.length === 0 && !model.loaded) {
    body = <div className="mc-Panel-loading">Loading models…</div>;
  } else {
    body = (
      <VirtualList
        items={model.items}
        rowHeight={ROW_HEIGHT}
        itemKey={entry => entry.id}
        renderRow={entry => (
          <ModelRow entry={entry} selected={entry.id === props.selectedId} onOpen={props.onOpen} />
        )}
        onNearEnd={onNearEnd}
        ariaLabel="Models"
        footer={
          model.loadingMore ? <div className="mc-VirtualList-footer">Loading more…</div> : null
        }
      />
    );
  }

  return (
    <>
      <div className="mc-Panel-header">
        <span className="mc-Panel-title">Model Catalog</span>
        <span className="mc-Row-spacer" />
        <button
          className="jp-ToolbarButtonComponent jp-mod-minimal jp-Button mc-RefreshButton"
          title="Refresh the list"
          aria-label="Refresh"
          onClick={() => void model.refresh()}
        >
          <refreshIcon.react tag="span" className="jp-ToolbarButtonComponent-icon" />
        </button>
      </div>
      <div className="mc-Search">
        <div className="mc-Search-box">
          <searchIcon.react tag="span" className="mc-Search-icon" />
          <input
            ref={searchRef}
            className={`mc-Search-input${parsed.error ? ' mc-mod-invalid' : ''}`}
            type="search"
            placeholder="Search models…"
            aria-label="Search models"
            spellCheck={false}
            value={options.search}
            onChange={event => setSearch(event.target.value)}
            onKeyDown={event => {
              if (event.key === 'Enter') {
                void model.refresh();
              } else if (event.key === 'Escape') {
                setSearch('');
              }
            }}
          />
          <button
            className={`mc-Search-helpButton${helpOpen ? ' jp-mod-active' : ''}`}
            title="Search syntax"
            aria-label="Search syntax"
            aria-expanded={helpOpen}
            onClick={() => setHelpOpen(!helpOpen)}
          >
            ?
          </button>
        </div>
        {helpOpen && (
          <SearchHelp
            onPick={example => {
              const current = options.search.trim();
              setSearch(current ? `${current} ${example}` : example);
              setHelpOpen(false);
              searchRef.current?.focus();
            }}
            onClose={() => setHelpOpen(false)}
          />
        )}
        {parsed.tokens.some(token => token.kind === 'field') && (
          <div className="mc-Search-tokens" aria-label="How the search is read">
            {parsed.tokens.map(token => (
              <span
                key={`${token.start}`}
                className={`mc-Token mc-Token-${token.kind}${token.error ? ' mc-mod-invalid' : ''}`}
                title={token.error ?? token.text}
              >
                {describeToken(token)}
              </span>
            ))}
          </div>
        )}
        {(parsed.error || model.error) && (
          <div className="mc-Search-error" role="alert">
            {parsed.error ?? model.error}
          </div>
        )}
        <div className="mc-Controls">
          <label className="mc-Controls-sort">
            Sort
            <select
              className="jp-mod-styled"
              aria-label="Sort by"
              value={options.sort}
              onChange={event => model.setOptions({ sort: event.target.value as SortField })}
            >
              {(Object.keys(SORT_LABELS) as SortField[]).map(sort => (
                <option key={sort} value={sort}>
                  {SORT_LABELS[sort]}
                </option>
              ))}
            </select>
          </label>
          <button
            className="mc-OrderButton"
            title={
              options.order === 'asc'
                ? 'Ascending (click for descending)'
                : 'Descending (click for ascending)'
            }
            aria-label={options.order === 'asc' ? 'Ascending' : 'Descending'}
            onClick={() => model.setOptions({ order: options.order === 'asc' ? 'desc' : 'asc' })}
          >
            {options.order === 'asc' ? '↑' : '↓'}
          </button>
          <span className="mc-Row-spacer" />
          <label className="mc-Controls-inactive" title="Include inactive models in the list">
            <input
              type="checkbox"
              checked={options.showInactive}
              onChange={event => model.setOptions({ showInactive: event.target.checked })}
            />
            Show inactive
          </label>
        </div>
      </div>
      <div className={`mc-Panel-progress${model.refreshing ? ' mc-mod-active' : ''}`} />
      <div className="mc-Panel-body">{body}</div>
      <div className="mc-Panel-status">
        {model.items.length > 0 &&
          `${model.items.length.toLocaleString()}${model.hasMore ? '+' : ''} model${
            model.items.length === 1 && !model.hasMore ? '' : 's'
          }`}
      </div>
    </>
  );
}

/** The left side panel of the model catalog. */
export class CatalogPanel extends ReactWidget {
  constructor(
    readonly model: CatalogListModel,
    private readonly _onOpen: (entry: IModelEntry) => void
  ) {
    super();
    this.id = 'model-catalog-panel';
    this.addClass('mc-Panel');
    this.title.icon = catalogIcon;
    this.title.caption = 'Model Catalog';
  }

  /** Highlight the row of the model shown in the main area. */
  set selectedId(id: string | null) {
    this._selectedId = id;
    this.update();
  }

  protected onAfterShow(): void {
    // First show: load; later shows keep what is there (refresh is one click away).
    if (!this.model.loaded && !this.model.refreshing) {
      void this.model.refresh();
    }
  }

  protected render(): JSX.Element {
    return <CatalogView model={this.model} onOpen={this._onOpen} selectedId={this._selectedId} />;
  }

  private _selectedId: string | null = null;
}
