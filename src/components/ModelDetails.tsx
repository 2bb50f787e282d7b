import { Clipboard } from '@jupyterlab/apputils';
import {
  copyIcon,
  downloadIcon,
  editIcon,
  folderIcon,
  notebookIcon,
  ReactWidget
} from '@jupyterlab/ui-components';
import React, { useEffect, useState } from 'react';

import { IManifestFile, IModelChanges, IModelEntry, IModelSchema } from '../api';
import { compareVersions, hyperparameters, IChange } from '../compare';
import { notifyFailure } from '../errors';
import { exactTime, formatBytes, frameworkOf, relativeTime } from '../format';
import { catalogIcon } from '../icons';
import { ModelDetailsModel, SaveOutcome } from '../model';
import { commitUrl, repositoryWebUrl } from '../provenance';
import { ErrorState } from './ErrorState';
import { HistorySection } from './HistorySection';
import { RefreshButton } from './RefreshButton';
import { useModelChanges } from './useModelChanges';
import { TagChips, TagEditor } from './TagChips';

/** What the details view asks of the application (commands, files). */
export interface IDetailsActions {
  downloadZip(entry: IModelEntry): Promise<void> | void;
  downloadToFolder(entry: IModelEntry): void;
  loadInNotebook(entry: IModelEntry): void;
  setActive(entry: IModelEntry, active: boolean): void;
  remove(entry: IModelEntry): void;
  /** Show one artifact file read-only. */
  viewFile(entry: IModelEntry, file: IManifestFile): void;
  /** The training notebook's path in this server's tree, or null when it is not there. */
  findTrainingScript(entry: IModelEntry): Promise<string | null>;
  openPath(path: string): void;
}

/** Files worth viewing as text. */
const TEXT_FILE = /(\.(py|txt|json|ya?ml|md|cfg|toml|ini|csv)|(^|\/)(Dockerfile|LICENSE))$/i;

function CopyButton(props: { text: string; label: string }): JSX.Element {
  const [copied, setCopied] = useState(false);
  return (
    <button
      className="mc-IconButton"
      title={copied ? 'Copied' : `Copy ${props.label}`}
      aria-label={`Copy ${props.label}`}
      onClick={() => {
        Clipboard.copyToSystem(props.text);
        setCopied(true);
        setTimeout(() => setCopied(false), 1500);
      }}
    >
      {copied ? <span className="mc-Copied">✓</span> : <copyIcon.react tag="span" />}
    </button>
  );
}

/** A value that turns into an input when "edit" is clicked; saves through the model. */
function EditableText(props: {
  label: string;
  value: string;
  multiline?: boolean;
  placeholder?: string;
  className?: string;
  onSave: (value: string) => Promise<SaveOutcome>;
  required?: boolean;
}): JSX.Element {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(props.value);
  const [busy, setBusy] = useState(false);
  const invalid = props.required && !draft.trim();

  const save = async () => {
    if (invalid) {
      return;
    }
    if (draft === props.value) {
      setEditing(false);
      return;
    }
    setBusy(true);
    const outcome = await props.onSave(draft);
    setBusy(false);
    if (outcome === 'saved') {
      setEditing(false);
    }
  };

  if (!editing) {
    return (
      <div className={`mc-Editable ${props.className ?? ''}`}>
        <span className={`mc-Editable-value${props.value ? '' : ' mc-mod-empty'}`}>
          {props.value || props.placeholder}
        </span>
        <button
          className="mc-IconButton mc-Editable-edit"
          title={`Edit ${props.label}`}
          aria-label={`Edit ${props.label}`}
          onClick={() => {
            setDraft(props.value);
            setEditing(true);
          }}
        >
          <editIcon.react tag="span" />
        </button>
      </div>
    );
  }
  const common = {
    className: `jp-mod-styled mc-Editable-input${invalid ? ' mc-mod-invalid' : ''}`,
    value: draft,
    autoFocus: true,
    disabled: busy,
    'aria-label': props.label,
    onChange: (event: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) =>
      setDraft(event.target.value),
    onKeyDown: (event: React.KeyboardEvent) => {
      if (event.key === 'Escape') {
        setEditing(false);
      } else if (event.key === 'Enter' && (!props.multiline || event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        void save();
      }
    }
  };
  return (
    <div className={`mc-Editable mc-mod-editing ${props.className ?? ''}`}>
      {props.multiline ? <textarea rows={4} {...common} /> : <input {...common} />}
      <div className="mc-Editable-buttons">
        <button
          className="jp-Button jp-mod-styled jp-mod-accept"
          disabled={busy || invalid}
          onClick={() => void save()}
        >
          Save
        </button>
        <button className="jp-Button jp-mod-styled jp-mod-reject" onClick={() => setEditing(false)}>
          Cancel
        </button>
        {props.multiline && <span className="mc-Hint">Ctrl+Enter saves</span>}
      </div>
    </div>
  );
}

function TagsField(props: {
  tags: Record<string, string>;
  onSave: (tags: Record<string, string>) => Promise<SaveOutcome>;
}): JSX.Element {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(props.tags);
  const [pendingError, setPendingError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!editing) {
    return (
      <div className="mc-Editable">
        {Object.keys(props.tags).length ? (
          <TagChips tags={props.tags} />
        ) : (
          <span className="mc-Editable-value mc-mod-empty">No tags</span>
        )}
        <button
          className="mc-IconButton mc-Editable-edit"
          title="Edit tags"
          aria-label="Edit tags"
          onClick={() => {
            setDraft(props.tags);
            setEditing(true);
          }}
        >
          <editIcon.react tag="span" />
        </button>
      </div>
    );
  }
  return (
    <div className="mc-Editable mc-mod-editing">
      <TagEditor tags={draft} onChange={setDraft} onPendingError={setPendingError} autoFocus />
      <div className="mc-Editable-buttons">
        <button
          className="jp-Button jp-mod-styled jp-mod-accept"
          disabled={busy || Boolean(pendingError)}
          onClick={async () => {
            setBusy(true);
            const outcome = await props.onSave(draft);
            setBusy(false);
            if (outcome === 'saved') {
              setEditing(false);
            }
          }}
        >
          Save
        </button>
        <button className="jp-Button jp-mod-styled jp-mod-reject" onClick={() => setEditing(false)}>
          Cancel
        </button>
      </div>
    </div>
  );
}

function SchemaTable(props: { title: string; schema: IModelSchema | null }): JSX.Element {
  const columns = props.schema?.schema ?? [];
  return (
    <div className="mc-Schema">
      <h4>{props.title}</h4>
      {columns.length === 0 ? (
        <p className="mc-mod-empty">No {props.title.toLowerCase()} schema recorded.</p>
      ) : (
        <table className="mc-Table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Type</th>
              <th>Feature type</th>
              <th>Required</th>
              <th>Description</th>
            </tr>
          </thead>
          <tbody>
            {[...columns]
              .sort((a, b) => (a.order ?? 0) - (b.order ?? 0))
              .map(column => (
                <tr key={column.name}>
                  <td className="mc-Mono">{column.name}</td>
                  <td className="mc-Mono">{column.dtype ?? ''}</td>
                  <td>{column.feature_type ?? ''}</td>
                  <td>{column.required === false ? 'no' : 'yes'}</td>
                  <td>{column.description ?? ''}</td>
                </tr>
              ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function Row(props: { label: string; children: React.ReactNode }): JSX.Element {
  return (
    <>
      <dt>{props.label}</dt>
      <dd>{props.children}</dd>
    </>
  );
}

/** The training notebook: a link when it is in this server's file tree. */
function TrainingScript(props: { entry: IModelEntry; actions: IDetailsActions }): JSX.Element {
  const script = props.entry.provenance?.training_script;
  const [path, setPath] = useState<string | null | undefined>(undefined);
  useEffect(() => {
    let alive = true;
    setPath(undefined);
    if (script) {
      props.actions
        .findTrainingScript(props.entry)
        .then(found => alive && setPath(found))
        .catch(() => alive && setPath(null));
    }
    return () => {
      alive = false;
    };
  }, [props.entry.id, script]);
  if (!script) {
    return <span className="mc-mod-empty">unknown</span>;
  }
  if (path) {
    return (
      <button
        className="mc-LinkButton mc-TrainingScript"
        title={`Open ${path}`}
        onClick={() => props.actions.openPath(path)}
      >
        <notebookIcon.react tag="span" className="mc-InlineIcon" />
        {script}
      </button>
    );
  }
  return (
    <span title={path === null ? 'Not in this server’s file tree' : undefined}>
      <span className="mc-Mono">{script}</span>
    </span>
  );
}

/** The verification verify() recorded when the artifact was saved. */
function Verification(props: { results: any }): JSX.Element {
  const results = props.results;
  if (!results || typeof results !== 'object') {
    return <span className="mc-mod-empty">Not verified before saving.</span>;
  }
  const checks: any[] = Array.isArray(results.checks) ? results.checks : [];
  const skipped: string[] = Array.isArray(results.skipped) ? results.skipped : [];
  const verdict = results.stale
    ? { text: 'stale: the files changed after the check', className: 'mc-Badge-warn' }
    : results.ok
      ? { text: 'passed', className: 'mc-Badge-active' }
      : { text: 'failed', className: 'mc-Badge-error' };
  return (
    <div className="mc-Verification">
      <span className={`mc-Badge ${verdict.className}`}>{verdict.text}</span>
      <span className="mc-Dim">
        {' '}
        in a clean {results.use_venv ? 'virtual environment' : 'process'}
        {results.python ? ` (Python ${results.python})` : ''}
        {typeof results.time === 'string' && (
          <time dateTime={results.time} title={results.time}>
            {' '}
            on {new Date(results.time).toLocaleString()}
          </time>
        )}
      </span>
      {checks.length > 0 && (
        <ul className="mc-Checks">
          {checks.map((check, index) => (
            <li key={`${check.name}-${index}`}>
              <span className={check.ok ? 'mc-Check-ok' : 'mc-Check-failed'}>
                {check.ok ? '✓' : '✗'}
              </span>{' '}
              {String(check.name)}
              {check.message && <span className="mc-Dim"> — {String(check.message)}</span>}
            </li>
          ))}
          {skipped.map(name => (
            <li key={`skipped-${name}`} className="mc-Dim">
              – {name} (skipped)
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The hyperparameters recorded at save time. */
function Hyperparameters(props: { entry: IModelEntry }): JSX.Element {
  const params = Object.entries(hyperparameters(props.entry));
  if (params.length === 0) {
    return <span className="mc-mod-empty">None recorded.</span>;
  }
  return (
    <dl className="mc-Hyperparameters">
      {params.map(([key, value]) => {
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        return (
          <div key={key}>
            <dt className="mc-Mono">{key}</dt>
            <dd className="mc-Mono" title={text}>
              {text}
            </dd>
          </div>
        );
      })}
    </dl>
  );
}

/** Pick two versions and see what changed between them. */
function CompareVersions(props: {
  model: ModelDetailsModel;
  entry: IModelEntry;
}): JSX.Element | null {
  const { model, entry } = props;
  const versions = model.versions;
  const index = versions.findIndex(v => v.id === entry.id);
  const [olderId, setOlderId] = useState('');
  const [newerId, setNewerId] = useState('');
  const [changes, setChanges] = useState<IChange[] | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    // Default: the shown version against the one before it.
    const newer = versions[index] ?? versions[versions.length - 1];
    const older = versions[Math.max(0, (index >= 0 ? index : versions.length - 1) - 1)];
    setNewerId(newer?.id ?? '');
    setOlderId(older?.id ?? '');
    setChanges(null);
  }, [entry.id, versions.length]);
  if (versions.length < 2) {
    return null;
  }
  const compare = async () => {
    setBusy(true);
    try {
      const [older, newer] = await Promise.all([
        model.fullVersion(olderId),
        model.fullVersion(newerId)
      ]);
      setChanges(compareVersions(older, newer));
    } catch (error) {
      notifyFailure('Could not compare the versions', error);
    } finally {
      setBusy(false);
    }
  };
  const picker = (label: string, value: string, onChange: (id: string) => void) => (
    <select
      className="jp-mod-styled"
      aria-label={label}
      value={value}
      onChange={event => {
        onChange(event.target.value);
        setChanges(null);
      }}
    >
      {versions.map(v => (
        <option key={v.id} value={v.id}>
          v{v.version}
        </option>
      ))}
    </select>
  );
  const older = versions.find(v => v.id === olderId);
  const newer = versions.find(v => v.id === newerId);
  const oldCommit = older?.provenance?.git_commit;
  const newCommit = newer?.provenance?.git_commit;
  const repo = repositoryWebUrl(newer?.provenance?.repository_url);
  return (
    <div className="mc-Compare">
      <div className="mc-Compare-pickers">
        Compare {picker('Older version', olderId, setOlderId)} with{' '}
        {picker('Newer version', newerId, setNewerId)}
        <button
          className="jp-Button jp-mod-styled mc-Action"
          disabled={busy || !olderId || !newerId || olderId === newerId}
          onClick={() => void compare()}
        >
          Compare
        </button>
      </div>
      {changes !== null &&
        (changes.length === 0 ? (
          <p className="mc-mod-empty">No differences.</p>
        ) : (
          <table
            className="mc-Table mc-Compare-table"
            aria-label="Differences between the versions"
          >
            <thead>
              <tr>
                <th>Part</th>
                <th>What</th>
                <th>v{older?.version}</th>
                <th>v{newer?.version}</th>
              </tr>
            </thead>
            <tbody>
              {changes.map(change => (
                <tr
                  key={`${change.section}/${change.item}`}
                  className={`mc-Change mc-Change-${change.kind}`}
                >
                  <td>{change.section}</td>
                  <td className="mc-Mono">
                    {change.item} <span className="mc-Dim">({change.kind})</span>
                  </td>
                  <td className="mc-Mono">{change.before}</td>
                  <td className="mc-Mono">{change.after}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      {changes !== null &&
        repo &&
        oldCommit &&
        newCommit &&
        oldCommit !== newCommit &&
        repo.includes('github.com') && (
          <p>
            <a
              href={`${repo}/compare/${oldCommit}...${newCommit}`}
              target="_blank"
              rel="noreferrer"
            >
              See the commits between the two versions
            </a>
          </p>
        )}
    </div>
  );
}

/** The details of one catalog entry. */
export function ModelDetailsView(props: {
  model: ModelDetailsModel;
  actions: IDetailsActions;
}): JSX.Element {
  const { model, actions } = props;
  useModelChanges(model);
  const entry = model.entry;

  if (model.deleted) {
    return (
      <div className="mc-Details">
        <ErrorState
          failure={{
            message: 'This model is no longer in the catalog.',
            hint: 'It was deleted, maybe by someone else. Close this tab; refresh the list to see what is there now.',
            unreachable: false,
            notFound: true,
            blocking: true
          }}
        />
      </div>
    );
  }
  if (!entry) {
    return (
      <div className="mc-Details">
        {model.failure ? (
          <ErrorState failure={model.failure} onRetry={() => void model.load()} />
        ) : (
          <div className="mc-Panel-loading">Loading…</div>
        )}
      </div>
    );
  }
  /** Save an inline edit; a failure is reported like every other action's. */
  const saveChanges = async (changes: IModelChanges): Promise<SaveOutcome> => {
    const outcome = await model.save(changes);
    if (outcome === 'failed' && !model.deleted) {
      notifyFailure('Could not save the change', model.saveError);
    }
    return outcome;
  };

  const inactive = entry.lifecycle_state === 'INACTIVE';
  const defined = entry.defined_metadata || {};
  const prov = entry.provenance || {};
  const commitLink = commitUrl(prov.repository_url, prov.git_commit);
  const repoLink = repositoryWebUrl(prov.repository_url);
  const manifest = entry.manifest ?? [];

  return (
    <div className={`mc-Details${inactive ? ' mc-mod-inactive' : ''}`} data-model-id={entry.id}>
      <div className="mc-Details-header">
        <catalogIcon.react tag="span" className="mc-Details-icon" />
        <EditableText
          label="display name"
          className="mc-Details-name"
          value={entry.display_name}
          required
          onSave={value => saveChanges({ display_name: value.trim() })}
        />
        <span className="mc-Badge">v{entry.version}</span>
        <span className={`mc-Badge ${inactive ? 'mc-Badge-inactive' : 'mc-Badge-active'}`}>
          {inactive ? 'inactive' : 'active'}
        </span>
        <span className="mc-Row-spacer" />
        {/* As the list's: versions saved elsewhere, and the history, read again. */}
        <RefreshButton
          title="Refresh the versions and the history"
          onRefresh={() => void model.refresh()}
        />
      </div>

      <div className="mc-Details-actions" role="toolbar" aria-label="Model actions">
        <button
          className="jp-Button jp-mod-styled jp-mod-accept mc-Action mc-Action-primary"
          onClick={() => actions.loadInNotebook(entry)}
        >
          <notebookIcon.react tag="span" className="mc-InlineIcon" /> Load in notebook
        </button>
        <button
          className="jp-Button jp-mod-styled mc-Action"
          onClick={() => void actions.downloadZip(entry)}
        >
          <downloadIcon.react tag="span" className="mc-InlineIcon" /> Download
        </button>
        <button
          className="jp-Button jp-mod-styled mc-Action"
          onClick={() => actions.downloadToFolder(entry)}
        >
          <folderIcon.react tag="span" className="mc-InlineIcon" /> Download to folder…
        </button>
        <button
          className="jp-Button jp-mod-styled mc-Action"
          onClick={() => actions.setActive(entry, inactive)}
        >
          {inactive ? 'Activate' : 'Deactivate'}
        </button>
        <span className="mc-Row-spacer" />
        {/* Quiet here; its confirmation keeps JupyterLab's warning colours. */}
        <button className="mc-LinkButton mc-Action-delete" onClick={() => actions.remove(entry)}>
          Delete…
        </button>
      </div>

      {model.conflict && (
        <div className="mc-Banner mc-Banner-warn" role="alert">
          <span>Changed elsewhere — reload to see the latest version before editing.</span>
          <button
            className="jp-Button jp-mod-styled jp-mod-accept"
            onClick={() => void model.load()}
          >
            Reload
          </button>
        </div>
      )}

      <section className="mc-Section">
        <h3>Description</h3>
        <EditableText
          label="description"
          className="mc-Details-description"
          value={entry.description}
          multiline
          placeholder="No description"
          onSave={value => saveChanges({ description: value })}
        />
        <h3>Tags</h3>
        <TagsField
          tags={entry.freeform_tags}
          onSave={tags => saveChanges({ freeform_tags: tags })}
        />
      </section>

      <section className="mc-Section mc-Section-model">
        <h3>The model</h3>
        <dl className="mc-Fields">
          <Row label="Framework">
            {[frameworkOf(defined), defined.FrameworkVersion].filter(Boolean).join(' ') || '—'}
          </Row>
          {defined.Algorithm && <Row label="Algorithm">{String(defined.Algorithm)}</Row>}
          {defined.UseCaseType && <Row label="Use case">{String(defined.UseCaseType)}</Row>}
          <Row label="Hyperparameters">
            <Hyperparameters entry={entry} />
          </Row>
          <Row label="Verification">
            <Verification results={defined.ArtifactTestResults} />
          </Row>
        </dl>
      </section>

      <section className="mc-Section">
        <h3>Overview</h3>
        <dl className="mc-Fields">
          <Row label="Id">
            <span className="mc-Mono">{entry.id}</span> <CopyButton text={entry.id} label="id" />
          </Row>
          <Row label="Created">
            <span title={exactTime(entry.time_created)}>
              {relativeTime(entry.time_created)} by {entry.created_by || 'unknown'}
            </span>
          </Row>
          {entry.time_updated && entry.time_updated !== entry.time_created && (
            <Row label="Updated">
              <span title={exactTime(entry.time_updated)}>{relativeTime(entry.time_updated)}</span>
            </Row>
          )}
          <Row label="Project">{entry.project_id || '—'}</Row>
          <Row label="Compartment">{entry.compartment_id || '—'}</Row>
          <Row label="Artifact">
            {formatBytes(entry.artifact_size)}{' '}
            <span className="mc-Mono mc-Dim" title={entry.artifact_digest}>
              {entry.artifact_digest.replace(/^sha256:/, '').slice(0, 12)}
            </span>
          </Row>
        </dl>
      </section>

      <section className="mc-Section">
        <h3>Provenance</h3>
        <dl className="mc-Fields">
          <Row label="Branch">{prov.git_branch || '—'}</Row>
          <Row label="Commit">
            {prov.git_commit ? (
              <>
                {commitLink ? (
                  <a className="mc-Mono" href={commitLink} target="_blank" rel="noreferrer">
                    {prov.git_commit.slice(0, 12)}
                  </a>
                ) : (
                  <span className="mc-Mono" title={prov.git_commit}>
                    {prov.git_commit.slice(0, 12)}
                  </span>
                )}
                <CopyButton text={prov.git_commit} label="commit" />
                {prov.git_dirty && (
                  <span className="mc-Badge mc-Badge-warn">uncommitted changes</span>
                )}
              </>
            ) : (
              '—'
            )}
          </Row>
          <Row label="Repository">
            {repoLink ? (
              <a className="mc-Mono" href={repoLink} target="_blank" rel="noreferrer">
                {prov.repository_url}
              </a>
            ) : prov.repository_url ? (
              <span className="mc-Mono">{prov.repository_url}</span>
            ) : (
              '—'
            )}
          </Row>
          <Row label="Training notebook">
            <TrainingScript entry={entry} actions={actions} />
          </Row>
        </dl>
      </section>

      <section className="mc-Section">
        <h3>Schema</h3>
        <SchemaTable title="Inputs" schema={entry.input_schema} />
        <SchemaTable title="Outputs" schema={entry.output_schema} />
      </section>

      <section className="mc-Section">
        <h3>Artifact files</h3>
        <table className="mc-Table mc-Files">
          <thead>
            <tr>
              <th>Path</th>
              <th>Size</th>
              <th>sha256</th>
            </tr>
          </thead>
          <tbody>
            {manifest.map(file => (
              <tr key={file.path}>
                <td>
                  {TEXT_FILE.test(file.path) ? (
                    <button
                      className="mc-LinkButton mc-Mono"
                      title={`View ${file.path}`}
                      onClick={() => actions.viewFile(entry, file)}
                    >
                      {file.path}
                    </button>
                  ) : (
                    <span className="mc-Mono">{file.path}</span>
                  )}
                </td>
                <td className="mc-Number">{formatBytes(file.size)}</td>
                <td className="mc-Mono mc-Dim" title={file.sha256}>
                  {file.sha256.slice(0, 16)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      {entry.custom_metadata?.length > 0 && (
        <section className="mc-Section">
          <h3>Custom metadata</h3>
          <table className="mc-Table">
            <thead>
              <tr>
                <th>Key</th>
                <th>Value</th>
                <th>Category</th>
                <th>Description</th>
              </tr>
            </thead>
            <tbody>
              {entry.custom_metadata.map(item => (
                <tr key={item.key}>
                  <td className="mc-Mono">{item.key}</td>
                  <td>
                    {typeof item.value === 'string' ? item.value : JSON.stringify(item.value)}
                  </td>
                  <td>{item.category ?? ''}</td>
                  <td>{item.description ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}

      <section className="mc-Section">
        <h3>Versions</h3>
        <CompareVersions model={model} entry={entry} />
        <ol className="mc-Versions">
          {model.versions.map(version => (
            <li
              key={version.id}
              className={`mc-Version${version.id === entry.id ? ' jp-mod-selected' : ''}${
                version.lifecycle_state === 'INACTIVE' ? ' mc-mod-inactive' : ''
              }`}
            >
              <button
                className="mc-LinkButton"
                disabled={version.id === entry.id}
                onClick={() => void model.show(version.id)}
              >
                v{version.version} · {version.display_name}
              </button>
              <span className="mc-Dim" title={exactTime(version.time_created)}>
                {' '}
                {relativeTime(version.time_created)} by {version.created_by || 'unknown'}
              </span>
              {version.lifecycle_state === 'INACTIVE' && (
                <span className="mc-Badge mc-Badge-inactive">inactive</span>
              )}
              {version.id === entry.parent_id && <span className="mc-Badge">parent</span>}
            </li>
          ))}
        </ol>
        {entry.parent_id && !model.versions.some(v => v.id === entry.parent_id) && (
          <p>
            Parent:{' '}
            <button
              className="mc-LinkButton mc-Mono"
              onClick={() => void model.show(entry.parent_id!)}
            >
              {entry.parent_id}
            </button>
          </p>
        )}
      </section>

      <HistorySection model={model} />
    </div>
  );
}

/** Lumino's message type, without a dependency on @lumino/messaging for it alone. */
type Message = Parameters<ReactWidget['processMessage']>[0];

/** The main-area content of a model's details. */
export class ModelDetailsWidget extends ReactWidget {
  constructor(
    readonly model: ModelDetailsModel,
    private readonly _actions: IDetailsActions
  ) {
    super();
    this.addClass('mc-DetailsWidget');
    model.changed.connect(this._onChanged, this);
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.dispose();
    super.dispose();
  }

  protected render(): JSX.Element {
    return <ModelDetailsView model={this.model} actions={this._actions} />;
  }

  /** Back on screen (its tab chosen again): versions saved meanwhile elsewhere show. */
  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    if (this.model.entry && !this.model.loading) {
      void this.model.refresh();
    }
  }

  private _onChanged(): void {
    const entry = this.model.entry;
    if (!this.parent) {
      return;
    }
    const title = this.parent.title;
    if (this.model.deleted || (!entry && this.model.failure?.notFound)) {
      title.label = entry ? `${entry.display_name} v${entry.version} (deleted)` : 'Model not found';
      title.caption = `No model ${this.model.id} in the catalog`;
    } else if (entry) {
      title.label = `${entry.display_name} v${entry.version}`;
      title.caption = `Model ${entry.display_name} (version ${entry.version})\n${entry.id}`;
    } else if (this.model.failure) {
      title.label = 'Model (unavailable)';
      title.caption = this.model.failure.message;
    }
  }
}
