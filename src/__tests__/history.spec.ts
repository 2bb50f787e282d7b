import { IHistoryRecord } from '../api';
import { describeChange, newestFirst, shownValue } from '../history';
import { CatalogEvents, ModelDetailsModel } from '../model';

function change(extra: Partial<IHistoryRecord>): IHistoryRecord {
  return {
    model_id: 'm1',
    version_set_id: 'vs',
    version: 1,
    sequence: 1,
    at: '2026-03-03T12:00:00+00:00',
    actor: 'alice',
    action: 'edited',
    changes: {},
    ...extra
  };
}

describe('history wording', () => {
  it('words a save by the values it started with, leaving out version and state', () => {
    const saved = change({
      action: 'saved',
      changes: {
        version: [null, 1],
        lifecycle_state: [null, 'ACTIVE'],
        display_name: [null, 'churn'],
        freeform_tags: [null, { team: 'ml', stage: 'dev' }]
      }
    });
    expect(describeChange(saved)).toBe('display_name="churn", freeform_tags=stage:dev team:ml');
  });

  it('words an edit and a state change as old → new', () => {
    const edited = change({
      changes: {
        description: ['', 'tuned'],
        freeform_tags: [{ stage: 'dev' }, { stage: 'production' }]
      }
    });
    expect(describeChange(edited)).toBe(
      'description: "" → "tuned"; freeform_tags: stage:dev → stage:production'
    );
    const off = change({
      action: 'deactivated',
      changes: { lifecycle_state: ['ACTIVE', 'INACTIVE'] }
    });
    expect(describeChange(off)).toBe('lifecycle_state: "ACTIVE" → "INACTIVE"');
    expect(describeChange(change({ action: 'deleted' }))).toBe('');
  });

  it('shows nothing, empty tags, JSON and long values in few characters', () => {
    expect(shownValue(null)).toBe('(none)');
    expect(shownValue({})).toBe('{}');
    expect(shownValue([{ key: 'auc', value: 0.9 }])).toBe('[{"key":"auc","value":0.9}]');
    expect(shownValue('x'.repeat(100), 10)).toBe('"xxxxxxxx…');
  });

  it('lists the newest first, across versions by sequence', () => {
    const records = [change({ sequence: 3 }), change({ sequence: 10 }), change({ sequence: 7 })];
    expect(newestFirst(records).map(r => r.sequence)).toEqual([10, 7, 3]);
  });
});

describe('ModelDetailsModel history', () => {
  function source(history: jest.Mock) {
    return {
      getModel: jest.fn(async (id: string) => ({ id, etag: 'e1', version: 1 }) as any),
      versions: jest.fn(async () => []),
      updateModel: jest.fn(async (id: string) => ({ id, etag: 'e2', version: 1 }) as any),
      history
    };
  }

  it('loads with the entry, again after each change, and for every version on request', async () => {
    const history = jest.fn(async (id: string, all?: boolean) => [
      change({ model_id: id, sequence: all ? 2 : 1 })
    ]);
    const events = new CatalogEvents();
    const model = new ModelDetailsModel(source(history), events, 'm1');
    await model.load();
    expect(history).toHaveBeenLastCalledWith('m1', false);
    expect(model.history?.map(r => r.sequence)).toEqual([1]);
    await model.save({ description: 'new' });
    expect(history).toHaveBeenCalledTimes(2);
    await model.showHistoryOfAllVersions(true);
    expect(history).toHaveBeenLastCalledWith('m1', true);
    expect(model.historyOfAllVersions).toBe(true);
    expect(model.history?.map(r => r.sequence)).toEqual([2]);
    events.emitDeleted('m1');
    expect(history).toHaveBeenCalledTimes(4); // the delete is the last record
  });

  it('has no history (null: the section hides) when the catalog keeps none', async () => {
    const model = new ModelDetailsModel(
      source(jest.fn(async () => null)),
      new CatalogEvents(),
      'm1'
    );
    await model.load();
    expect(model.history).toBeNull();
  });

  it('keeps the entry when the history cannot be read', async () => {
    const model = new ModelDetailsModel(
      source(
        jest.fn(async () => {
          throw new Error('offline');
        })
      ),
      new CatalogEvents(),
      'm1'
    );
    await model.load();
    expect(model.entry?.id).toBe('m1');
    expect(model.history).toBeNull();
    expect(model.error).toBeNull();
  });
});
