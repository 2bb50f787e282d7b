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

import { IManifestFile, IModelEntry, IModelSchema } from '../api';
import { exactTime, formatBytes, frameworkOf, relativeTime } from '../format';
import { catalogIcon } from '../icons';
import { ModelDetailsModel, SaveOutcome } from '../model';
import { commitUrl } from '../provenance';
import { useModelChanges } from './useModelChanges';
import { TagChips, TagEditor } from './TagChips';

/** What the details view asks of the application (commands, files). */
export interface IDetailsActions {
  downloadZip(entry: IModelEntry): void;
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
        <div className="mc-EmptyState">This model was deleted from the catalog.</div>
      </div>
    );
  }
  if (!entry) {
    return (
      <div className="mc-Details">
        {model.error ? (
          <div className="mc-Banner mc-Banner-error" role="alert">
            {model.error}{' '}
            <button className="jp-Button jp-mod-styled" onClick={() => void model.load()}>
              Retry
            </button>
          </div>
        ) : (
          <div className="mc-Panel-loading">Loading…</div>
        )}
      </div>
    );
  }

  const inactive = entry.lifecycle_state === 'INACTIVE';
  const defined = entry.defined_metadata || {};
  const prov = entry.provenance || {};
  const commitLink = commitUrl(prov.repository_url, prov.git_commit);
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
          onSave={value => model.save({ display_name: value.trim() })}
        />
        <span className="mc-Badge">v{entry.version}</span>
        <span className={`mc-Badge ${inactive ? 'mc-Badge-inactive' : 'mc-Badge-active'}`}>
          {inactive ? 'inactive' : 'active'}
        </span>
      </div>

      <div className="mc-Details-actions" role="toolbar" aria-label="Model actions">
        <button
          className="jp-Button jp-mod-styled mc-Action"
          onClick={() => actions.downloadZip(entry)}
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
          onClick={() => actions.loadInNotebook(entry)}
        >
          <notebookIcon.react tag="span" className="mc-InlineIcon" /> Load in notebook
        </button>
        <button
          className="jp-Button jp-mod-styled mc-Action"
          onClick={() => actions.setActive(entry, inactive)}
        >
          {inactive ? 'Activate' : 'Deactivate'}
        </button>
        <button
          className="jp-Button jp-mod-styled jp-mod-warn mc-Action mc-Action-delete"
          onClick={() => actions.remove(entry)}
        >
          Delete
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
      {model.error && !model.conflict && (
        <div className="mc-Banner mc-Banner-error" role="alert">
          {model.error}
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
          onSave={value => model.save({ description: value })}
        />
        <h3>Tags</h3>
        <TagsField
          tags={entry.freeform_tags}
          onSave={tags => model.save({ freeform_tags: tags })}
        />
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
          <Row label="Framework">
            {[frameworkOf(defined), defined.FrameworkVersion].filter(Boolean).join(' ') || '—'}
          </Row>
          {defined.Algorithm && <Row label="Algorithm">{String(defined.Algorithm)}</Row>}
          {defined.UseCaseType && <Row label="Use case">{String(defined.UseCaseType)}</Row>}
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
            {prov.repository_url ? <span className="mc-Mono">{prov.repository_url}</span> : '—'}
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
    </div>
  );
}

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

  private _onChanged(): void {
    const entry = this.model.entry;
    if (entry && this.parent) {
      const title = this.parent.title;
      title.label = `${entry.display_name} v${entry.version}`;
      title.caption = `Model ${entry.display_name} (version ${entry.version})\n${entry.id}`;
    }
  }
}
