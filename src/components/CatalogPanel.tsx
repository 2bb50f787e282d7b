import { ReactWidget, searchIcon } from '@jupyterlab/ui-components';
import React, { useCallback, useEffect, useRef, useState } from 'react';

import { ICapabilities, IModelEntry, SortField } from '../api';
import { exactTime, frameworkOf, relativeTime } from '../format';
import { catalogIcon } from '../icons';
import { CatalogListModel } from '../model';
import { describeToken, parseSearch, SEARCH_FIELDS } from '../search';
import { ErrorState } from './ErrorState';
import { RefreshButton } from './RefreshButton';
import { useModelChanges } from './useModelChanges';
import { TagChips, tagText } from './TagChips';
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
  ['tag:version=3', 'a tag with exactly this value (tag:version:3 too)'],
  ['tag:team=ml*', 'a tag value starting with…'],
  ['tag:reviewed', 'models that have the tag'],
  ['user:alice', 'saved by alice'],
  ['framework:sklearn', 'by framework'],
  ['state:inactive', 'inactive models (or state:all)'],
  ['name:"churn model"', 'quotes group words']
];

/** The popover explaining the search grammar; clicking an example adds it. */
function SearchHelp(props: { onPick: (example: string) => void; onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector<HTMLElement>('button')?.focus();
  }, []);
  return (
    <div
      className="mc-SearchHelp"
      role="dialog"
      aria-label="Search help"
      ref={ref}
      onKeyDown={event => {
        if (event.key === 'Escape') {
          event.preventDefault();
          event.stopPropagation();
          props.onClose();
        }
      }}
    >
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

/** "v3 · 3 versions" (or "v3" alone when the model has one version). */
export function versionText(entry: IModelEntry): string {
  const count = entry.version_count ?? 1;
  return count > 1 ? `v${entry.version} · ${count} versions` : `v${entry.version}`;
}

/** One row of the list: a model, shown by its newest version. */
function ModelRow(props: {
  entry: IModelEntry;
  selected: boolean;
  active: boolean;
  onOpen: (entry: IModelEntry) => void;
  onPickTag: (key: string, value: string) => void;
}): JSX.Element {
  const { entry } = props;
  const framework = frameworkOf(entry.defined_metadata);
  const inactive = entry.lifecycle_state === 'INACTIVE';
  return (
    <div
      className={`mc-Row${inactive ? ' mc-mod-inactive' : ''}${props.selected ? ' jp-mod-selected' : ''}${
        props.active ? ' jp-mod-active' : ''
      }`}
      id={`mc-row-${entry.id}`}
      role="option"
      aria-selected={props.active}
      data-model-id={entry.id}
      onClick={() => props.onOpen(entry)}
      title={entry.description || entry.display_name}
    >
      <div className="mc-Row-line">
        <span className="mc-Row-name">{entry.display_name}</span>
        <span className="mc-Row-version">{versionText(entry)}</span>
        {inactive && <span className="mc-Badge mc-Badge-inactive">inactive</span>}
        <span className="mc-Row-spacer" />
        {framework && <span className="mc-Row-framework">{framework}</span>}
      </div>
      <div className="mc-Row-line mc-Row-tags">
        <TagChips tags={entry.freeform_tags} max={4} onPick={props.onPickTag} />
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

/** Add `tag:key=value` to a search, unless it is there already. */
export function withTagFilter(search: string, key: string, value: string): string {
  const token = `tag:${tagText(key, value)}`;
  const parsed = parseSearch(search);
  const present = parsed.tokens.some(
    t =>
      t.tag && t.tag.key === key && t.tag.value === (value === '' ? null : value) && !t.tag.prefix
  );
  if (present) {
    return search;
  }
  const current = search.trim();
  return current ? `${current} ${token}` : token;
}

/** Which catalog the panel shows: "SQLite · /home/me/.model-catalog/catalog.db". */
function CatalogSource(props: { capabilities: ICapabilities | null }): JSX.Element | null {
  const backend = props.capabilities?.backend;
  if (!backend || !(backend.label || backend.location)) {
    return null;
  }
  const text = [backend.label, backend.location].filter(Boolean).join(' · ');
  return (
    <div className="mc-Panel-source" title={`This panel shows the catalog at ${text}`}>
      {text}
    </div>
  );
}

/** The sorts the backend answers (all, when it does not say), and the current one. */
function sortsOffered(capabilities: ICapabilities | null, current: SortField): SortField[] {
  const answered = capabilities?.capabilities?.sorts;
  return (Object.keys(SORT_LABELS) as SortField[]).filter(
    sort => !answered || answered.includes(sort) || sort === current
  );
}

/** The filters of a search that this backend applies only after fetching (a search that
 * uses them may take a while): the panel says so instead of leaving the user waiting. */
export function slowFiltersOf(
  search: ReturnType<typeof parseSearch>,
  capabilities: ICapabilities | null
): string[] {
  const filters = capabilities?.capabilities?.filters;
  if (!filters) {
    return [];
  }
  const used = new Set<string>();
  for (const token of search.tokens) {
    const filter = token.kind === 'text' ? 'text' : SEARCH_FIELDS[token.field ?? ''];
    if (filter && filters[filter] === 'slow') {
      used.add(filter === 'tags' ? 'tag' : filter.replace('_', ' '));
    }
  }
  return Array.from(used);
}

const SORT_LABELS: Record<SortField, string> = {
  time_created: 'Created',
  time_updated: 'Updated',
  name: 'Name',
  version: 'Version'
};

/** The panel's whole view: header, search, the virtual list and its states. */
export function CatalogView(props: {
  model: CatalogListModel;
  onOpen: (entry: IModelEntry) => void;
  /** The version set of the model shown in the main area (its row is highlighted). */
  selectedSetId?: string | null;
  capabilities?: ICapabilities | null;
}): JSX.Element {
  const { model } = props;
  useModelChanges(model);
  const [helpOpen, setHelpOpen] = useState(false);
  const [activeIndex, setActiveIndex] = useState(0);
  const searchRef = useRef<HTMLInputElement>(null);
  const helpButtonRef = useRef<HTMLButtonElement>(null);
  const options = model.options;
  const parsed = parseSearch(options.search);
  const slowFilters = slowFiltersOf(parsed, props.capabilities ?? null);
  const items = model.items;
  const active = Math.min(activeIndex, Math.max(items.length - 1, 0));

  const onNearEnd = useCallback(() => void model.loadMore(), [model]);
  const setSearch = (search: string) => model.setOptions({ search });
  const pickTag = useCallback(
    (key: string, value: string) =>
      model.setOptions({ search: withTagFilter(model.options.search, key, value) }),
    [model]
  );
  const closeHelp = () => {
    setHelpOpen(false);
    helpButtonRef.current?.focus();
  };

  // The list is one Tab stop: arrows move, Enter opens, the context-menu key (or
  // Shift+F10) opens the row's menu.
  const onListKey = (event: React.KeyboardEvent<HTMLDivElement>) => {
    if (items.length === 0) {
      return;
    }
    const page = Math.max(1, Math.floor(event.currentTarget.clientHeight / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = {
      ArrowDown: active + 1,
      ArrowUp: active - 1,
      PageDown: active + page,
      PageUp: active - page,
      Home: 0,
      End: items.length - 1
    };
    if (event.key in moves) {
      event.preventDefault(); // never scroll the page itself
      setActiveIndex(Math.max(0, Math.min(items.length - 1, moves[event.key])));
    } else if (event.key === 'Enter') {
      event.preventDefault();
      props.onOpen(items[active]);
    } else if (event.key === 'ContextMenu' || (event.key === 'F10' && event.shiftKey)) {
      event.preventDefault();
      const row = event.currentTarget.querySelector(`[data-model-id="${items[active].id}"]`);
      if (row) {
        const box = row.getBoundingClientRect();
        row.dispatchEvent(
          new MouseEvent('contextmenu', {
            bubbles: true,
            cancelable: true,
            clientX: box.left + 24,
            clientY: box.top + box.height / 2
          })
        );
      }
    }
  };

  let body: React.ReactNode;
  const failure = model.failure;
  if (failure?.blocking) {
    // Stale rows under a small message would mislead: say plainly what is wrong.
    body = (
      <ErrorState
        failure={failure}
        onRetry={() => void model.refresh()}
        className="mc-Panel-failure"
      />
    );
  } else if (items.length === 0 && model.loaded && !model.busy) {
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
    ) : (
      <EmptyCatalog />
    );
  } else if (items.length === 0 && !model.loaded) {
    body = <div className="mc-Panel-loading">Loading models…</div>;
  } else {
    body = (
      <VirtualList
        items={items}
        rowHeight={ROW_HEIGHT}
        itemKey={entry => entry.id}
        renderRow={(entry, index) => (
          <ModelRow
            entry={entry}
            selected={entry.version_set_id === props.selectedSetId}
            active={index === active}
            onOpen={entry => {
              setActiveIndex(index);
              props.onOpen(entry);
            }}
            onPickTag={pickTag}
          />
        )}
        onNearEnd={onNearEnd}
        ariaLabel="Models"
        activeIndex={active}
        activeId={items[active] ? `mc-row-${items[active].id}` : undefined}
        onKeyDown={onListKey}
        footer={
          model.loadingMore ? <div className="mc-VirtualList-footer">Loading more…</div> : null
        }
      />
    );
  }

  const total = model.total;
  let status = '';
  if (!failure?.blocking && items.length > 0) {
    const count = total ?? items.length;
    status = `${count.toLocaleString()}${total === null && model.hasMore ? '+' : ''} model${count === 1 ? '' : 's'}`;
  } else if (!failure?.blocking && model.loaded && total === 0) {
    status = '0 models';
  }

  return (
    <>
      <div className="mc-Panel-header">
        <div className="mc-Panel-heading">
          <span className="mc-Panel-title">Model Catalog</span>
          <CatalogSource capabilities={props.capabilities ?? null} />
        </div>
        <span className="mc-Row-spacer" />
        <RefreshButton title="Refresh the list" onRefresh={() => void model.refresh()} />
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
                event.preventDefault();
                if (helpOpen) {
                  setHelpOpen(false);
                } else {
                  setSearch('');
                }
              }
            }}
          />
          <button
            ref={helpButtonRef}
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
            onClose={closeHelp}
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
        {slowFilters.length > 0 && (
          <div className="mc-Search-note">
            This catalog ({props.capabilities?.backend.label || 'its backend'}) applies{' '}
            {slowFilters.join(', ')} filters after fetching models: this search may take a while on
            a large catalog.
          </div>
        )}
        {(parsed.error || (model.error && !failure?.blocking)) && (
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
              {sortsOffered(props.capabilities ?? null, options.sort).map(sort => (
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
      <div
        className={`mc-Panel-progress${model.busy ? ' mc-mod-active' : ''}`}
        role="progressbar"
        aria-label="Searching"
        aria-hidden={!model.busy}
      />
      <div className="mc-Panel-body">{body}</div>
      <div className="mc-Panel-status" data-loaded={items.length}>
        {status}
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

  /** Highlight the row of the model (version set) shown in the main area. */
  set selectedSetId(id: string | null) {
    if (id !== this._selectedSetId) {
      this._selectedSetId = id;
      this.update();
    }
  }

  /** Which catalog this is, for the header (and the panel's caption). */
  set capabilities(value: ICapabilities | null) {
    this._capabilities = value;
    this.model.useCapabilities(value?.capabilities ?? null);
    const backend = value?.backend;
    if (backend && (backend.label || backend.location)) {
      this.title.caption = `Model Catalog — ${[backend.label, backend.location].filter(Boolean).join(' · ')}`;
    }
    this.update();
  }

  protected onAfterShow(): void {
    // First show: load; later shows keep what is there (refresh is one click away).
    if (!this.model.loaded && !this.model.refreshing) {
      void this.model.refresh();
    }
  }

  protected render(): JSX.Element {
    return (
      <CatalogView
        model={this.model}
        onOpen={this._onOpen}
        selectedSetId={this._selectedSetId}
        capabilities={this._capabilities}
      />
    );
  }

  private _selectedSetId: string | null = null;
  private _capabilities: ICapabilities | null = null;
}
