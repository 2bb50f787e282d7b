import { IModelEntry, IModelSchema } from './api';

/** One difference between two versions of a model. */
export interface IChange {
  /** Which part of the model: Metadata, Tags, Hyperparameters, Schema, Provenance, Files. */
  section: string;
  /** What changed within it: a field, a tag key, a column, a file path. */
  item: string;
  kind: 'added' | 'removed' | 'changed';
  before: string;
  after: string;
}

const show = (value: unknown): string => {
  if (value === undefined || value === null || value === '') {
    return '';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
};

/** Differences between two flat records (added/removed/changed keys), sorted by key. */
function diffRecords(
  section: string,
  before: Record<string, unknown>,
  after: Record<string, unknown>
): IChange[] {
  const keys = Array.from(new Set([...Object.keys(before), ...Object.keys(after)])).sort();
  const out: IChange[] = [];
  for (const key of keys) {
    const a = show(before[key]);
    const b = show(after[key]);
    if (a === b) {
      continue;
    }
    const kind = !(key in before) ? 'added' : !(key in after) ? 'removed' : 'changed';
    out.push({ section, item: key, kind, before: a, after: b });
  }
  return out;
}

function columns(schema: IModelSchema | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const column of schema?.schema ?? []) {
    out[column.name] = [column.dtype, column.feature_type].filter(Boolean).join(' · ');
  }
  return out;
}

/** The hyperparameters recorded at save time (defined metadata). */
export function hyperparameters(entry: IModelEntry): Record<string, unknown> {
  const value = entry.defined_metadata?.Hyperparameters;
  return value && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

/**
 * What changed from `older` to `newer`: metadata, tags, hyperparameters, schema,
 * provenance and artifact files (by digest; manifests are needed for files).
 */
export function compareVersions(older: IModelEntry, newer: IModelEntry): IChange[] {
  const defined = (entry: IModelEntry) => entry.defined_metadata ?? {};
  const metadata = (entry: IModelEntry): Record<string, unknown> => ({
    name: entry.display_name,
    description: entry.description,
    state: entry.lifecycle_state.toLowerCase(),
    framework: [defined(entry).Framework, defined(entry).FrameworkVersion]
      .filter(Boolean)
      .join(' '),
    algorithm: defined(entry).Algorithm,
    'use case': defined(entry).UseCaseType,
    project: entry.project_id,
    compartment: entry.compartment_id,
    'saved by': entry.created_by
  });
  const provenance = (entry: IModelEntry): Record<string, unknown> => ({
    repository: entry.provenance?.repository_url,
    branch: entry.provenance?.git_branch,
    commit: entry.provenance?.git_commit,
    'training notebook': entry.provenance?.training_script,
    'uncommitted changes': entry.provenance?.git_dirty ? 'yes' : ''
  });
  const files = (entry: IModelEntry): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const file of entry.manifest ?? []) {
      out[file.path] = file.sha256.slice(0, 12);
    }
    return out;
  };
  const inputs = (entry: IModelEntry) => columns(entry.input_schema);
  const outputs = (entry: IModelEntry) => columns(entry.output_schema);
  return [
    ...diffRecords('Metadata', metadata(older), metadata(newer)),
    ...diffRecords('Tags', older.freeform_tags ?? {}, newer.freeform_tags ?? {}),
    ...diffRecords('Hyperparameters', hyperparameters(older), hyperparameters(newer)),
    ...diffRecords('Input schema', inputs(older), inputs(newer)),
    ...diffRecords('Output schema', outputs(older), outputs(newer)),
    ...diffRecords('Provenance', provenance(older), provenance(newer)),
    ...diffRecords('Files', files(older), files(newer))
  ];
}
