import { IModelEntry } from '../api';
import { compareVersions } from '../compare';
import { describeError } from '../errors';
import { CatalogRequestError } from '../api';
import { repositoryWebUrl } from '../provenance';
import { parseTag } from '../search';

function version(n: number, extra: Partial<IModelEntry> = {}): IModelEntry {
  return {
    id: `v${n}`,
    compartment_id: null,
    project_id: null,
    display_name: 'churn',
    description: `run ${n}`,
    created_by: 'alice',
    time_created: '2024-01-01T00:00:00+00:00',
    time_updated: null,
    lifecycle_state: 'ACTIVE',
    freeform_tags: { run: String(n) },
    defined_metadata: { Framework: 'scikit-learn', Hyperparameters: { max_depth: n } },
    custom_metadata: [],
    input_schema: { schema: [{ name: 'age', dtype: 'int64' }] },
    output_schema: null,
    provenance: { git_commit: `c${n}` },
    version_set_id: 'vs',
    version: n,
    parent_id: null,
    artifact_digest: `d${n}`,
    artifact_size: 1,
    manifest: [
      { path: 'score.py', size: 1, sha256: 'a'.repeat(64) },
      { path: 'model.pkl', size: 1, sha256: String(n).repeat(64) }
    ],
    etag: 'e',
    ...extra
  };
}

describe('compareVersions', () => {
  it('lists what changed: metadata, tags, hyperparameters, schema, provenance, files', () => {
    const older = version(1);
    const newer = version(20, {
      freeform_tags: { run: '20', stage: 'prod' },
      input_schema: {
        schema: [
          { name: 'age', dtype: 'float64' },
          { name: 'plan', dtype: 'object' }
        ]
      },
      manifest: [
        { path: 'score.py', size: 1, sha256: 'a'.repeat(64) },
        { path: 'model.onnx', size: 1, sha256: 'b'.repeat(64) }
      ]
    });
    const changes = compareVersions(older, newer).map(c => `${c.section}/${c.item}:${c.kind}`);
    expect(changes).toEqual([
      'Metadata/description:changed',
      'Tags/run:changed',
      'Tags/stage:added',
      'Hyperparameters/max_depth:changed',
      'Input schema/age:changed',
      'Input schema/plan:added',
      'Provenance/commit:changed',
      'Files/model.onnx:added',
      'Files/model.pkl:removed'
    ]);
    expect(compareVersions(older, version(1))).toEqual([]);
  });
});

describe('describeError', () => {
  it('keeps internals off the screen', () => {
    const unavailable = describeError(
      new CatalogRequestError(
        503,
        'catalog_unavailable',
        'Cannot open sqlite:////secret/catalog.db'
      )
    );
    expect(unavailable.message + unavailable.hint).not.toMatch(/sqlite|secret/);
    expect(describeError(new CatalogRequestError(404, 'not_found', 'No model x')).notFound).toBe(
      true
    );
    expect(
      describeError(new CatalogRequestError(400, 'invalid_input', 'limit must be ≤ 1000')).message
    ).toBe('limit must be ≤ 1000');
  });
});

describe('one tag grammar', () => {
  it('reads key=value, key:value and tag:key=value alike', () => {
    for (const text of ['team=ml', 'team:ml', 'tag:team=ml', 'tag:team:ml']) {
      expect(parseTag(text)).toEqual({ key: 'team', value: 'ml' });
    }
    expect(parseTag('tag:x')).toEqual({ key: 'tag', value: 'x' });
    expect(parseTag('url=http://x')).toEqual({ key: 'url', value: 'http://x' });
  });
});

describe('repositoryWebUrl', () => {
  it('links https and GitHub ssh remotes', () => {
    expect(repositoryWebUrl('https://github.com/example/models.git')).toBe(
      'https://github.com/example/models'
    );
    expect(repositoryWebUrl('git@github.com:example/models.git')).toBe(
      'https://github.com/example/models'
    );
    expect(repositoryWebUrl('/srv/git/models')).toBeNull();
  });
});
