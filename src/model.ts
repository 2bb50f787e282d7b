import { ISignal, Signal } from '@lumino/signaling';

import {
  ICapabilities,
  IHistoryRecord,
  IListQuery,
  IModelChanges,
  IModelEntry,
  IModelPage,
  SortField,
  SortOrder
} from './api';
import { describeError, IUserError } from './errors';
import { parseSearch } from './search';

/** What the list model needs from the REST client (a fake in tests). */
export interface IListSource {
  listModels(query: IListQuery): Promise<IModelPage>;
}

/** The panel's options that shape the listing. */
export interface IListOptions {
  search: string;
  sort: SortField;
  order: SortOrder;
  showInactive: boolean;
  pageSize: number;
}

export const DEFAULT_LIST_OPTIONS: IListOptions = {
  search: '',
  sort: 'time_created',
  order: 'desc',
  showInactive: false,
  pageSize: 100
};

/** The order each sort field reads best in. */
export function defaultOrder(sort: SortField): SortOrder {
  return sort === 'name' ? 'asc' : 'desc'; // names A-Z; times and versions newest first
}

/**
 * The state of the catalog list: options, the rows loaded so far, paging and errors.
 *
 * - Option changes re-query the server after `debounceMs` (search typing) or at once
 *   (sort, toggle, refresh). The rows on screen stay until the new first page arrives, so
 *   the list never blanks; answers to superseded requests are dropped.
 * - `loadMore()` appends the next page; it is safe to call on every scroll event.
 */
export class CatalogListModel {
  constructor(
    readonly source: IListSource,
    options: Partial<IListOptions> = {},
    readonly debounceMs = 200
  ) {
    this._options = { ...DEFAULT_LIST_OPTIONS, ...options };
  }

  /** Emitted on every state change (rows, loading flags, options, errors). */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get options(): Readonly<IListOptions> {
    return this._options;
  }

  get items(): readonly IModelEntry[] {
    return this._items;
  }

  /** True once the first answer for the current options arrived. */
  get loaded(): boolean {
    return this._loaded;
  }

  /** A request for the first page is under way (rows shown may be the previous query's). */
  get refreshing(): boolean {
    return this._refreshing;
  }

  /** The rows shown are not (yet) the answer to the current options: a search is waiting
   * for its debounce, or its request is under way. */
  get busy(): boolean {
    return this._refreshing || this._timer !== null;
  }

  /** How many models match in all (every page), when the server said. */
  get total(): number | null {
    return this._total;
  }

  /** The last failure to list, in the user's terms (null after a success). */
  get failure(): IUserError | null {
    return this._failure;
  }

  /** The next page is being fetched. */
  get loadingMore(): boolean {
    return this._loadingMore;
  }

  get hasMore(): boolean {
    return this._nextToken !== null;
  }

  /** The server's (or the parser's) message for the current search, if it failed. */
  get error(): string | null {
    return this._error;
  }

  /** The search text as the server receives it, and its state filter. */
  buildQuery(pageToken: string | null = null): IListQuery {
    const { search, sort, order, showInactive, pageSize } = this._options;
    const parsed = parseSearch(search);
    const query: IListQuery = {
      q: search.trim() || undefined,
      sort,
      order,
      limit: pageSize,
      // One row per model (its newest version), when the backend can say which that is.
      latest: this._oneRowPerModel || undefined
    };
    if (!parsed.setsState) {
      query.state = showInactive ? 'ALL' : 'ACTIVE';
    }
    if (pageToken) {
      query.page_token = pageToken;
    }
    return query;
  }

  /**
   * What the server's backend can do (GET capabilities): without one row per model the list
   * shows every version; without counting, the status says "N+ models". Re-queries when that
   * changes what the rows are.
   */
  useCapabilities(capabilities: ICapabilities['capabilities']): void {
    const oneRowPerModel = capabilities?.latest_only ?? true;
    this._canCount = capabilities?.count_total ?? true;
    if (oneRowPerModel !== this._oneRowPerModel) {
      this._oneRowPerModel = oneRowPerModel;
      if (this._loaded || this._refreshing) {
        void this.refresh();
      }
    }
  }

  /** Whether each row is a model (its newest version) rather than one version. */
  get oneRowPerModel(): boolean {
    return this._oneRowPerModel;
  }

  /** Change options; a search change is debounced, anything else re-queries at once. */
  setOptions(changes: Partial<IListOptions>): void {
    const next = { ...this._options, ...changes };
    if (changes.sort && !changes.order && changes.sort !== this._options.sort) {
      next.order = defaultOrder(changes.sort);
    }
    const same = (Object.keys(next) as (keyof IListOptions)[]).every(
      key => next[key] === this._options[key]
    );
    if (same) {
      return;
    }
    const onlySearch = (Object.keys(changes) as (keyof IListOptions)[]).every(
      key => key === 'search' || changes[key] === this._options[key]
    );
    this._options = next;
    this._changed.emit();
    if (!this._loaded && !this._refreshing && this._generation === 0) {
      return; // nothing shown yet: the first refresh() uses these options
    }
    if (onlySearch && this.debounceMs > 0) {
      this._schedule();
    } else {
      void this.refresh();
    }
  }

  /** Query the first page again for the current options; resolves when it is shown. */
  async refresh(): Promise<void> {
    this._cancelTimer();
    const parsed = parseSearch(this._options.search);
    if (parsed.error) {
      // Say what is wrong without asking the server; keep the rows we have.
      this._error = parsed.error;
      this._failure = null;
      this._refreshing = false;
      this._changed.emit();
      return;
    }
    const generation = ++this._generation;
    this._refreshing = true;
    this._changed.emit();
    try {
      const page = await this.source.listModels(this.buildQuery());
      if (generation !== this._generation) {
        return;
      }
      this._items = page.items;
      this._nextToken = page.next_page_token;
      this._total = typeof page.total === 'number' ? page.total : null;
      if (this._total === null && page.next_page_token !== null) {
        void this._count(generation);
      } else if (this._total === null) {
        this._total = page.items.length; // all of it is here
      }
      this._error = null;
      this._failure = null;
      this._loaded = true;
    } catch (error) {
      if (generation !== this._generation) {
        return;
      }
      this._failure = describeError(error);
      this._error = this._failure.message;
    } finally {
      if (generation === this._generation) {
        this._refreshing = false;
        this._loadingMore = false;
        this._changed.emit();
      }
    }
  }

  /** Count every match in a request of its own, so the first rows never wait for it. */
  private async _count(generation: number): Promise<void> {
    if (!this._canCount) {
      return;
    }
    try {
      const page = await this.source.listModels({ ...this.buildQuery(), limit: 1, total: true });
      if (generation === this._generation && typeof page.total === 'number') {
        this._total = page.total;
        this._changed.emit();
      }
    } catch {
      // the status line shows "N+ models" instead
    }
  }

  /** Fetch and append the next page, unless one is already coming or there is none. */
  async loadMore(): Promise<void> {
    if (this._nextToken === null || this._loadingMore || this._refreshing) {
      return;
    }
    const generation = this._generation;
    this._loadingMore = true;
    this._changed.emit();
    try {
      const page = await this.source.listModels(this.buildQuery(this._nextToken));
      if (generation !== this._generation) {
        return;
      }
      // A row can move between pages if the catalog changed meanwhile: keep ids unique.
      const seen = new Set(this._items.map(item => item.id));
      this._items = this._items.concat(page.items.filter(item => !seen.has(item.id)));
      this._nextToken = page.next_page_token;
    } catch (error) {
      if (generation === this._generation) {
        this._failure = describeError(error);
        this._error = this._failure.message;
      }
    } finally {
      if (generation === this._generation) {
        this._loadingMore = false;
        this._changed.emit();
      }
    }
  }

  /** Replace a row in place after an edit elsewhere (details view), or drop it when it
   * no longer belongs to the list (deactivated while inactive ones are hidden). */
  updateEntry(entry: IModelEntry): void {
    const index = this._items.findIndex(item => item.id === entry.id);
    if (index < 0) {
      return;
    }
    const hidden =
      entry.lifecycle_state === 'INACTIVE' &&
      !this._options.showInactive &&
      !parseSearch(this._options.search).setsState;
    const items = this._items.slice();
    if (hidden) {
      items.splice(index, 1);
      this._total = this._total === null ? null : Math.max(0, this._total - 1);
    } else {
      // An edit answers without the listing's version count: keep the row's.
      items[index] = { ...entry, version_count: entry.version_count ?? items[index].version_count };
    }
    this._items = items;
    this._changed.emit();
  }

  /** Drop a deleted entry from the rows; when its model has other versions, the newest
   * of those takes the row, so ask the server again. */
  removeEntry(id: string): void {
    const gone = this._items.find(item => item.id === id);
    if (!gone) {
      return;
    }
    if ((gone.version_count ?? 1) > 1) {
      void this.refresh();
      return;
    }
    this._items = this._items.filter(item => item !== gone);
    this._total = this._total === null ? null : Math.max(0, this._total - 1);
    this._changed.emit();
  }

  dispose(): void {
    this._cancelTimer();
    this._generation++;
    Signal.clearData(this);
  }

  private _schedule(): void {
    this._cancelTimer();
    this._timer = setTimeout(() => {
      this._timer = null;
      void this.refresh();
    }, this.debounceMs);
  }

  private _cancelTimer(): void {
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
  }

  private _oneRowPerModel = true;
  private _canCount = true;
  private _options: IListOptions;
  private _items: IModelEntry[] = [];
  private _nextToken: string | null = null;
  private _loaded = false;
  private _refreshing = false;
  private _loadingMore = false;
  private _error: string | null = null;
  private _failure: IUserError | null = null;
  private _total: number | null = null;
  private _generation = 0;
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _changed = new Signal<this, void>(this);
}

/** Catalog-wide events, so every view of an entry stays in step with the others. */
export class CatalogEvents {
  /** An entry's metadata or state changed (edit, activate, deactivate). */
  get entryChanged(): ISignal<this, IModelEntry> {
    return this._entryChanged;
  }
  /** An entry was deleted. */
  get entryDeleted(): ISignal<this, string> {
    return this._entryDeleted;
  }
  /** A new entry was saved (the list should show it). */
  get entryAdded(): ISignal<this, IModelEntry> {
    return this._entryAdded;
  }
  emitChanged(entry: IModelEntry): void {
    this._entryChanged.emit(entry);
  }
  emitDeleted(id: string): void {
    this._entryDeleted.emit(id);
  }
  emitAdded(entry: IModelEntry): void {
    this._entryAdded.emit(entry);
  }
  private _entryChanged = new Signal<this, IModelEntry>(this);
  private _entryDeleted = new Signal<this, string>(this);
  private _entryAdded = new Signal<this, IModelEntry>(this);
}

/** What the details model needs from the REST client. */
export interface IDetailsSource {
  getModel(id: string): Promise<IModelEntry>;
  versions(id: string): Promise<IModelEntry[]>;
  updateModel(id: string, changes: IModelChanges, etag?: string): Promise<IModelEntry>;
  /** Who changed the model, when and what; null when the catalog keeps no history. */
  history?(id: string, allVersions?: boolean): Promise<IHistoryRecord[] | null>;
}

/** Outcome of an inline edit. */
export type SaveOutcome = 'saved' | 'conflict' | 'failed';

/**
 * The state of one model's details view: the entry (with its manifest), its version set,
 * and inline edits guarded by the entry's etag.
 */
export class ModelDetailsModel {
  constructor(
    readonly source: IDetailsSource,
    readonly events: CatalogEvents,
    id: string
  ) {
    this._id = id;
    events.entryChanged.connect(this._onEntryChanged, this);
    events.entryDeleted.connect(this._onEntryDeleted, this);
    events.entryAdded.connect(this._onEntryAdded, this);
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }
  get id(): string {
    return this._id;
  }
  get entry(): IModelEntry | null {
    return this._entry;
  }
  get versions(): readonly IModelEntry[] {
    return this._versions;
  }
  get loading(): boolean {
    return this._loading;
  }
  /** The last failure's message (load or save). */
  get error(): string | null {
    return this._error;
  }
  /** Why the entry could not be loaded, in the user's terms. */
  get failure(): IUserError | null {
    return this._failure;
  }
  /** What the last failed save threw (the view reports it as a notification). */
  get saveError(): unknown {
    return this._saveError;
  }
  /** True after a save found the entry changed elsewhere: the view offers "reload". */
  get conflict(): boolean {
    return this._conflict;
  }
  get deleted(): boolean {
    return this._deleted;
  }
  /**
   * The recorded changes of the entry (or, with `historyOfAllVersions`, of its whole model),
   * oldest first; null while unknown or when the catalog keeps no history.
   */
  get history(): readonly IHistoryRecord[] | null {
    return this._history;
  }
  get historyOfAllVersions(): boolean {
    return this._historyOfAllVersions;
  }

  /** Show the changes of every version (true) or of this entry only. */
  async showHistoryOfAllVersions(all: boolean): Promise<void> {
    this._historyOfAllVersions = all;
    this._changed.emit(); // the checkbox follows the click at once, the records when they come
    await this.refresh();
  }

  /**
   * Read the versions and the history again, keeping the entry on screen: a version saved
   * elsewhere (another user, a kernel, the REST API) then shows in both at once. Every
   * refresh of the history (an edit here, the "All versions" toggle) comes through here,
   * so the Versions list is never older than the History under it.
   */
  async refresh(): Promise<void> {
    await Promise.all([this._loadVersions(), this.loadHistory()]);
  }

  /** (Re)read the history; a failure leaves the section as it was (it is not the entry). */
  async loadHistory(): Promise<void> {
    const id = this._id;
    const all = this._historyOfAllVersions;
    if (!this.source.history) {
      return;
    }
    try {
      const records = await this.source.history(id, all);
      if (id === this._id && all === this._historyOfAllVersions) {
        this._history = records;
        this._changed.emit();
      }
    } catch {
      // Nothing to add: the entry itself still shows, and the next change reloads it.
    }
  }

  /** Show another entry (a version of the same set, usually). */
  async show(id: string): Promise<void> {
    this._id = id;
    this._entry = null;
    this._history = null;
    await this.load();
  }

  /** (Re)load the entry and its versions from the server; clears a conflict. */
  async load(): Promise<void> {
    const id = this._id;
    this._loading = true;
    this._changed.emit();
    try {
      const asked = ++this._versionsAsked;
      const [entry, versions] = await Promise.all([
        this.source.getModel(id),
        this.source.versions(id).catch(() => [] as IModelEntry[]),
        this.loadHistory()
      ]);
      if (id !== this._id) {
        return;
      }
      this._entry = entry;
      if (asked === this._versionsAsked) {
        this._versions = versions;
      }
      this._error = null;
      this._failure = null;
      this._conflict = false;
    } catch (error) {
      if (id === this._id) {
        this._failure = describeError(error);
        this._error = this._failure.message;
      }
    } finally {
      if (id === this._id) {
        this._loading = false;
        this._changed.emit();
      }
    }
  }

  /** Save inline edits with the etag we loaded; a stale etag becomes `conflict`. */
  async save(changes: IModelChanges): Promise<SaveOutcome> {
    const entry = this._entry;
    if (!entry) {
      return 'failed';
    }
    try {
      const updated = await this.source.updateModel(entry.id, changes, entry.etag);
      // PATCH answers without the manifest; keep the one we have (artifacts never change).
      this._entry = { ...updated, manifest: updated.manifest ?? entry.manifest };
      this._error = null;
      this._conflict = false;
      this._versions = this._versions.map(v => (v.id === updated.id ? updated : v));
      this._changed.emit();
      this.events.emitChanged(this._entry);
      void this.refresh();
      return 'saved';
    } catch (error) {
      const status = (error as { status?: number }).status;
      const code = (error as { code?: string }).code;
      if (status === 412 || code === 'conflict') {
        this._conflict = true;
        this._error =
          'This model was changed elsewhere — reload to see the new version, then edit again.';
        this._changed.emit();
        return 'conflict';
      }
      this._error = (error as Error).message;
      this._saveError = error;
      // Deleted meanwhile: the view says so, rather than offering edits that cannot land.
      this._deleted = describeError(error).notFound;
      this._changed.emit();
      return 'failed';
    }
  }

  /** One version with its manifest (for comparing files); fetched once per id. */
  fullVersion(id: string): Promise<IModelEntry> {
    if (this._entry?.id === id && this._entry.manifest) {
      return Promise.resolve(this._entry);
    }
    let known = this._full.get(id);
    if (!known) {
      known = this.source.getModel(id);
      known.catch(() => this._full.delete(id));
      this._full.set(id, known);
    }
    return known;
  }

  /** Use an entry we received elsewhere (an action's answer). */
  setEntry(entry: IModelEntry): void {
    if (entry.id !== this._id) {
      return;
    }
    this._entry = { ...entry, manifest: entry.manifest ?? this._entry?.manifest };
    this._versions = this._versions.map(v => (v.id === entry.id ? entry : v));
    this._changed.emit();
    void this.refresh();
  }

  dispose(): void {
    Signal.disconnectReceiver(this);
    Signal.clearData(this);
  }

  private _onEntryChanged(_: CatalogEvents, entry: IModelEntry): void {
    if (entry.id === this._id && entry !== this._entry) {
      this.setEntry(entry);
    } else if (this._versions.some(v => v.id === entry.id)) {
      this._versions = this._versions.map(v => (v.id === entry.id ? entry : v));
      this._changed.emit();
    }
  }

  /** A save in this JupyterLab: a new version of the shown model joins its Versions. */
  private _onEntryAdded(_: CatalogEvents, entry: IModelEntry): void {
    if (this._entry && entry.version_set_id === this._entry.version_set_id) {
      void this.refresh();
    }
  }

  /** The versions again; the newest request's answer wins, a failure keeps the list shown. */
  private async _loadVersions(): Promise<void> {
    const id = this._id;
    const asked = ++this._versionsAsked;
    try {
      const versions = await this.source.versions(id);
      if (id === this._id && asked === this._versionsAsked) {
        this._versions = versions;
        this._changed.emit();
      }
    } catch {
      // The entry still shows; the next refresh tries again.
    }
  }

  private _onEntryDeleted(_: CatalogEvents, id: string): void {
    if (id === this._id) {
      this._deleted = true;
      this._changed.emit();
      void this.loadHistory(); // the delete is the history's last record
    } else if (this._versions.some(v => v.id === id)) {
      this._versions = this._versions.filter(v => v.id !== id);
      this._changed.emit();
    }
  }

  private _id: string;
  private _entry: IModelEntry | null = null;
  private _versions: IModelEntry[] = [];
  private _versionsAsked = 0;
  private _loading = false;
  private _error: string | null = null;
  private _conflict = false;
  private _deleted = false;
  private _failure: IUserError | null = null;
  private _saveError: unknown = null;
  private _full = new Map<string, Promise<IModelEntry>>();
  private _history: IHistoryRecord[] | null = null;
  private _historyOfAllVersions = false;
  private _changed = new Signal<this, void>(this);
}
