import { CatalogRequestError, IListQuery, IModelEntry, IModelPage } from '../api';
import { CatalogEvents, CatalogListModel, ModelDetailsModel } from '../model';

function entry(id: string, extra: Partial<IModelEntry> = {}): IModelEntry {
  return {
    id,
    compartment_id: null,
    project_id: null,
    display_name: id,
    description: '',
    created_by: 'alice',
    time_created: '2024-01-01T00:00:00+00:00',
    time_updated: null,
    lifecycle_state: 'ACTIVE',
    freeform_tags: {},
    defined_metadata: {},
    custom_metadata: [],
    input_schema: null,
    output_schema: null,
    provenance: {},
    version_set_id: 'vs',
    version: 1,
    parent_id: null,
    artifact_digest: 'sha256:0',
    artifact_size: 1,
    etag: 'e1',
    ...extra
  };
}

/** A fake GET models: answers are released by hand so tests control the order. */
class FakeSource {
  calls: IListQuery[] = [];
  pending: { query: IListQuery; resolve: (p: IModelPage) => void; reject: (e: Error) => void }[] =
    [];
  listModels(query: IListQuery): Promise<IModelPage> {
    this.calls.push(query);
    return new Promise((resolve, reject) => this.pending.push({ query, resolve, reject }));
  }
  answer(index: number, page: IModelPage) {
    this.pending[index].resolve(page);
  }
}

const flush = () => new Promise(resolve => setTimeout(resolve, 0));

describe('CatalogListModel', () => {
  it('builds the query from options (state from the toggle unless the search sets it)', () => {
    const model = new CatalogListModel(new FakeSource(), { pageSize: 25 });
    expect(model.buildQuery()).toEqual({
      q: undefined,
      sort: 'time_created',
      order: 'desc',
      limit: 25,
      state: 'ACTIVE',
      latest: true
    });
    model.setOptions({ showInactive: true, search: 'churn' });
    expect(model.buildQuery('tok')).toMatchObject({ q: 'churn', state: 'ALL', page_token: 'tok' });
    // One row per model.
    expect(model.buildQuery('tok').latest).toBe(true);
    model.setOptions({ search: 'state:inactive' });
    expect(model.buildQuery().state).toBeUndefined();
    model.setOptions({ sort: 'name' });
    expect(model.options.order).toBe('asc');
  });

  it('asks for one row per model and a count only from a backend that can answer them', async () => {
    const source = new FakeSource();
    const model = new CatalogListModel(source, { pageSize: 25 }, 0);
    const caps = {
      filters: {},
      sorts: ['time_created', 'name'],
      deduplicates: false,
      verify_stored: false,
      garbage_collection: false,
      versions: true,
      history: false,
      projects: true
    };
    model.useCapabilities({ ...caps, latest_only: false, count_total: false });
    expect(model.oneRowPerModel).toBe(false);
    expect(model.buildQuery().latest).toBeUndefined();
    void model.refresh();
    await flush();
    source.answer(0, { items: [entry('a')], next_page_token: null });
    await flush();
    expect(source.calls.some(query => query.total)).toBe(false); // no count request at all
    // A server that does not say (older than GET capabilities) gets what it always got.
    model.useCapabilities(null);
    expect(model.buildQuery().latest).toBe(true);
  });

  it('keeps the rows on screen while the next search loads, and drops stale answers', async () => {
    const source = new FakeSource();
    const model = new CatalogListModel(source, {}, 0);
    const first = model.refresh();
    source.answer(0, { items: [entry('a'), entry('b')], next_page_token: null });
    await first;
    expect(model.items.map(i => i.id)).toEqual(['a', 'b']);

    model.setOptions({ search: 'x' }); // debounce 0: refreshes at once
    model.setOptions({ search: 'xy' });
    expect(model.refreshing).toBe(true);
    expect(model.items.map(i => i.id)).toEqual(['a', 'b']); // never blanks
    source.answer(2, { items: [entry('xy')], next_page_token: null });
    await flush();
    source.answer(1, { items: [entry('x-stale')], next_page_token: null });
    await flush();
    expect(model.items.map(i => i.id)).toEqual(['xy']);
    expect(model.refreshing).toBe(false);
  });

  it('debounces typing into one request', async () => {
    jest.useFakeTimers();
    try {
      const source = new FakeSource();
      const model = new CatalogListModel(source, {}, 200);
      const first = model.refresh();
      source.answer(0, { items: [], next_page_token: null });
      await first;
      for (const search of ['c', 'ch', 'chu', 'churn']) {
        model.setOptions({ search });
        jest.advanceTimersByTime(50);
      }
      expect(source.calls.length).toBe(1);
      jest.advanceTimersByTime(200);
      expect(source.calls.length).toBe(2);
      expect(source.calls[1].q).toBe('churn');
    } finally {
      jest.useRealTimers();
    }
  });

  it('pages with the token, once at a time, without duplicates', async () => {
    const source = new FakeSource();
    const model = new CatalogListModel(source, { pageSize: 2 }, 0);
    const first = model.refresh();
    source.answer(0, { items: [entry('a'), entry('b')], next_page_token: 'p2' });
    await first;
    expect(model.hasMore).toBe(true);
    expect(source.calls[1]).toMatchObject({ total: true, limit: 1 }); // the count, on its own
    const more = model.loadMore();
    void model.loadMore(); // ignored: a page is already coming
    expect(source.calls.length).toBe(3);
    expect(source.calls[2].page_token).toBe('p2');
    source.answer(2, { items: [entry('b'), entry('c')], next_page_token: null });
    await more;
    expect(model.items.map(i => i.id)).toEqual(['a', 'b', 'c']);
    expect(model.hasMore).toBe(false);
    await model.loadMore();
    expect(source.calls.length).toBe(3);
  });

  it('reports a bad search without asking the server, keeping rows', async () => {
    const source = new FakeSource();
    const model = new CatalogListModel(source, {}, 0);
    const first = model.refresh();
    source.answer(0, { items: [entry('a')], next_page_token: null });
    await first;
    model.setOptions({ search: 'colour:red' });
    await flush();
    expect(source.calls.length).toBe(1);
    expect(model.error).toMatch(/Unknown search field/);
    expect(model.items.length).toBe(1);
  });

  it('shows the server message when listing fails', async () => {
    const source = new FakeSource();
    const model = new CatalogListModel(source, {}, 0);
    const first = model.refresh();
    source.pending[0].reject(new CatalogRequestError(400, 'invalid_input', 'limit must be ≤ 1000'));
    await first;
    expect(model.error).toBe('limit must be ≤ 1000');
  });

  it('updates and hides rows after edits elsewhere', async () => {
    const source = new FakeSource();
    const model = new CatalogListModel(source, {}, 0);
    const first = model.refresh();
    source.answer(0, { items: [entry('a'), entry('b')], next_page_token: null });
    await first;
    model.updateEntry(entry('a', { display_name: 'renamed' }));
    expect(model.items[0].display_name).toBe('renamed');
    model.updateEntry(entry('a', { lifecycle_state: 'INACTIVE' }));
    expect(model.items.map(i => i.id)).toEqual(['b']);
    model.removeEntry('b');
    expect(model.items).toEqual([]);
  });
});

describe('ModelDetailsModel', () => {
  function source(overrides: any = {}) {
    return {
      getModel: jest.fn(async (id: string) =>
        entry(id, { manifest: [{ path: 'score.py', size: 1, sha256: 'x' }] })
      ),
      versions: jest.fn(async (id: string) => [entry(id)]),
      updateModel: jest.fn(async (id: string, changes: any, etag?: string) =>
        entry(id, { ...changes, etag: `${etag}+` })
      ),
      ...overrides
    };
  }

  it('loads, saves with If-Match and tells other views', async () => {
    const src = source();
    const events = new CatalogEvents();
    const seen: IModelEntry[] = [];
    events.entryChanged.connect((_, e) => seen.push(e));
    const model = new ModelDetailsModel(src, events, 'm1');
    await model.load();
    expect(model.entry?.manifest?.length).toBe(1);
    expect(await model.save({ description: 'new' })).toBe('saved');
    expect(src.updateModel).toHaveBeenCalledWith('m1', { description: 'new' }, 'e1');
    expect(model.entry?.description).toBe('new');
    expect(model.entry?.manifest?.length).toBe(1); // kept from the GET
    expect(seen.map(e => e.description)).toEqual(['new']);
  });

  it('turns a 412 into "changed elsewhere — reload", cleared by reload', async () => {
    const src = source({
      updateModel: jest.fn(async () => {
        throw new CatalogRequestError(412, 'conflict', 'stale');
      })
    });
    const model = new ModelDetailsModel(src, new CatalogEvents(), 'm1');
    await model.load();
    expect(await model.save({ description: 'x' })).toBe('conflict');
    expect(model.conflict).toBe(true);
    expect(model.error).toMatch(/changed elsewhere — reload/);
    await model.load();
    expect(model.conflict).toBe(false);
  });

  it('follows deletes and changes announced by other views', async () => {
    const events = new CatalogEvents();
    const model = new ModelDetailsModel(source(), events, 'm1');
    await model.load();
    events.emitChanged(entry('m1', { lifecycle_state: 'INACTIVE' }));
    expect(model.entry?.lifecycle_state).toBe('INACTIVE');
    events.emitDeleted('m1');
    expect(model.deleted).toBe(true);
  });

  /** A catalog whose model m1 gains versions "elsewhere" (as another door saves them). */
  function growingSource() {
    const saved = [entry('m1')];
    const records = () =>
      saved.map((v, i) => ({ sequence: i + 1, version: v.version, action: 'saved' }) as any);
    const src = source({
      versions: jest.fn(async () => saved.slice()),
      history: jest.fn(async () => records())
    });
    const saveElsewhere = () =>
      saved.push(entry(`m${saved.length + 1}`, { version: saved.length + 1 }));
    return { src, saveElsewhere };
  }

  it('reads a version saved elsewhere into Versions with the History, keeping the entry', async () => {
    const { src, saveElsewhere } = growingSource();
    const model = new ModelDetailsModel(src, new CatalogEvents(), 'm1');
    await model.load();
    const shown = model.entry;
    saveElsewhere();
    await model.refresh();
    expect(model.versions.map(v => v.version)).toEqual([1, 2]);
    expect(model.history).toHaveLength(2);
    expect(model.entry).toBe(shown); // not read again, never blanked
    expect(src.getModel).toHaveBeenCalledTimes(1);

    // The History's own refreshes (here its "All versions" toggle) bring Versions along.
    saveElsewhere();
    await model.showHistoryOfAllVersions(true);
    expect(model.history).toHaveLength(3);
    expect(model.versions.map(v => v.version)).toEqual([1, 2, 3]);
  });

  it('refreshes when this JupyterLab saves a new version of the shown model only', async () => {
    const { src, saveElsewhere } = growingSource();
    const events = new CatalogEvents();
    const model = new ModelDetailsModel(src, events, 'm1');
    await model.load();
    saveElsewhere();
    events.emitAdded(entry('other', { version_set_id: 'another-model' }));
    await Promise.resolve();
    expect(src.versions).toHaveBeenCalledTimes(1);
    events.emitAdded(entry('m2', { version: 2 }));
    await new Promise(resolve => setTimeout(resolve, 0));
    expect(model.versions.map(v => v.version)).toEqual([1, 2]);
  });

  it('shows the answer of the newest request for the versions, whatever order they come in', async () => {
    const answers: ((versions: IModelEntry[]) => void)[] = [];
    const src = source({
      versions: jest.fn(() => new Promise<IModelEntry[]>(resolve => answers.push(resolve)))
    });
    const model = new ModelDetailsModel(src, new CatalogEvents(), 'm1');
    const loading = model.load();
    const older = model.refresh();
    const newer = model.refresh();
    answers[2]([entry('m1'), entry('m2', { version: 2 })]);
    await newer;
    answers[1]([entry('m1')]);
    answers[0]([]);
    await Promise.all([older, loading]);
    expect(model.versions.map(v => v.id)).toEqual(['m1', 'm2']);
  });
});

describe('CatalogListModel: one row per model, busy, failures', () => {
  it('is busy while a search waits for its debounce, and keeps the total', async () => {
    const source = new FakeSource();
    const model = new CatalogListModel(source, {}, 50);
    const first = model.refresh();
    source.answer(0, {
      items: [entry('a', { version_count: 3 })],
      next_page_token: null,
      total: 1
    });
    await first;
    expect(model.total).toBe(1);
    model.setOptions({ search: 'x' });
    expect(model.refreshing).toBe(false);
    expect(model.busy).toBe(true); // the rows shown are the previous query's
    model.dispose();
  });

  it('keeps the version count when an edit replaces a row; a deleted newest version refreshes', async () => {
    const source = new FakeSource();
    const model = new CatalogListModel(source, {}, 0);
    const first = model.refresh();
    source.answer(0, {
      items: [entry('a', { version_count: 3 }), entry('b', { version_count: 1 })],
      next_page_token: null,
      total: 2
    });
    await first;
    model.updateEntry(entry('a', { description: 'edited' }));
    expect(model.items[0]).toMatchObject({ description: 'edited', version_count: 3 });
    model.removeEntry('b');
    expect(model.items.map(i => i.id)).toEqual(['a']);
    expect(model.total).toBe(1);
    model.removeEntry('a'); // v2 of the model takes its row: ask the server
    expect(source.calls).toHaveLength(2);
  });

  it('says an unreachable server plainly, in the user’s terms', async () => {
    const source = new FakeSource();
    const model = new CatalogListModel(source, {}, 0);
    const first = model.refresh();
    source.pending[0].reject(new TypeError('Failed to fetch'));
    await first;
    expect(model.failure).toMatchObject({ unreachable: true, blocking: true });
    expect(model.error).toBe('The Jupyter server is not answering.');
  });
});
