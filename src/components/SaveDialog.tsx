import { PathExt } from '@jupyterlab/coreutils';
import { Dialog } from '@jupyterlab/apputils';
import { ReactWidget } from '@jupyterlab/ui-components';
import React, { useEffect, useLayoutEffect, useRef, useState } from 'react';

import {
  CatalogClient,
  CatalogRequestError,
  IModelEntry,
  INotebookModels,
  INotebookSample,
  IProject,
  ISaveFileRequest,
  ISaveNotebookRequest
} from '../api';
import { TagEditor } from './TagChips';

export interface ISaveDialogOptions {
  /** A notebook (save one of its kernel's variables) or a model file (.onnx/.joblib/.pkl). */
  kind: 'notebook' | 'file';
  path: string;
  client: CatalogClient;
  defaultProjectId?: string;
  defaultCompartmentId?: string;
  /** Open the notebook (offered when it has no running kernel). */
  openNotebook?: (path: string) => void;
  /** Preselected "new version of" entry. */
  asNewVersionOf?: IModelEntry | null;
}

export type SaveRequest =
  { kind: 'notebook'; request: ISaveNotebookRequest } | { kind: 'file'; request: ISaveFileRequest };

/** A choice among the kernel's DataFrames/arrays, or none. */
function SampleSelect(props: {
  label: string;
  ariaLabel: string;
  samples: INotebookSample[];
  value: string;
  onChange: (name: string) => void;
}): JSX.Element {
  return (
    <label className="mc-Field">
      <span>{props.label}</span>
      <select
        className="jp-mod-styled"
        aria-label={props.ariaLabel}
        value={props.value}
        onChange={event => props.onChange(event.target.value)}
      >
        <option value="">(none)</option>
        {props.samples.map(sample => (
          <option key={sample.name} value={sample.name}>
            {sample.name} — {sample.type}
            {sample.shape ? ` ${sample.shape.join('×')}` : ''}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Search the catalog for the entry a save becomes a new version of. */
function ModelPicker(props: {
  client: CatalogClient;
  value: IModelEntry | null;
  onChange: (entry: IModelEntry | null) => void;
}): JSX.Element {
  const [text, setText] = useState('');
  const [results, setResults] = useState<IModelEntry[]>([]);
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (!open) {
      return;
    }
    let alive = true;
    const timer = setTimeout(() => {
      props.client
        .listModels({ q: text.trim() || undefined, state: 'ALL', limit: 8 })
        .then(page => alive && setResults(page.items))
        .catch(() => alive && setResults([]));
    }, 200);
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [text, open]);

  if (props.value) {
    return (
      <div className="mc-Picker-chosen">
        <span className="mc-Chip">
          <span className="mc-Chip-key">{props.value.display_name}</span>
          <span className="mc-Chip-value">v{props.value.version}</span>
          <button
            className="mc-Chip-remove"
            aria-label="Save as a new model instead"
            title="Save as a new model instead"
            onClick={() => props.onChange(null)}
          >
            ×
          </button>
        </span>
        <span className="mc-Hint">the saved model becomes the next version of this one</span>
      </div>
    );
  }
  return (
    <div className="mc-Picker">
      <input
        className="jp-mod-styled mc-Picker-input"
        placeholder="(a new model) — type to find one to version"
        aria-label="Save as a new version of"
        value={text}
        onFocus={() => setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 200)}
        onChange={event => {
          setText(event.target.value);
          setOpen(true);
        }}
      />
      {open && results.length > 0 && (
        <ul className="mc-Picker-results" role="listbox">
          {results.map(entry => (
            <li
              key={entry.id}
              role="option"
              aria-selected={false}
              onMouseDown={event => {
                event.preventDefault();
                props.onChange(entry);
                setText('');
                setOpen(false);
              }}
            >
              <span className="mc-Row-name">{entry.display_name}</span>{' '}
              <span className="mc-Row-version">v{entry.version}</span>{' '}
              <span className="mc-Dim">{entry.created_by}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

type KernelInfo =
  | { status: 'loading' }
  | { status: 'no_kernel'; message: string }
  | { status: 'error'; message: string }
  | { status: 'ready'; data: INotebookModels };

/** The form of the save dialog. */
export function SaveForm(props: {
  options: ISaveDialogOptions;
  onSubmit: (request: SaveRequest) => void;
  onCancel: () => void;
  /** Told after every render whether Save may be pressed, and with what request. */
  onValidity?: (request: SaveRequest | null) => void;
}): JSX.Element {
  const { options } = props;
  const isNotebook = options.kind === 'notebook';
  const baseName = PathExt.basename(options.path, PathExt.extname(options.path));
  const [kernel, setKernel] = useState<KernelInfo>(
    isNotebook ? { status: 'loading' } : { status: 'ready', data: null as any }
  );
  const [variable, setVariable] = useState('');
  const [xSample, setXSample] = useState('');
  const [ySample, setYSample] = useState('');
  const [name, setName] = useState(isNotebook ? '' : baseName);
  const [nameTouched, setNameTouched] = useState(false);
  const [description, setDescription] = useState('');
  const [tags, setTags] = useState<Record<string, string>>({});
  const [tagError, setTagError] = useState<string | null>(null);
  const [projectId, setProjectId] = useState(options.defaultProjectId ?? '');
  const [compartmentId, setCompartmentId] = useState(options.defaultCompartmentId ?? '');
  const [projects, setProjects] = useState<IProject[]>([]);
  const [parent, setParent] = useState<IModelEntry | null>(options.asNewVersionOf ?? null);
  const [asOnnx, setAsOnnx] = useState(false);
  const [ignorePending, setIgnorePending] = useState(false);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    // Catalogs with projects (OCI Data Science) offer theirs; a failure only loses the hints.
    let alive = true;
    options.client
      .listProjects()
      .then(found => alive && setProjects(found))
      .catch(() => undefined);
    return () => {
      alive = false;
    };
  }, []);

  useEffect(() => {
    if (!isNotebook) {
      return;
    }
    let alive = true;
    setKernel({ status: 'loading' });
    options.client
      .notebookModels(options.path)
      .then(data => {
        if (!alive) {
          return;
        }
        setKernel({ status: 'ready', data });
        const first = data.models[0]?.name ?? '';
        setVariable(current => current || first);
        if (!nameTouched && first) {
          setName(first === 'model' ? baseName : `${baseName}-${first}`);
        }
        const sampleNames = data.samples.map(s => s.name);
        setXSample(current => current || (sampleNames.find(n => /^x(_|$)|^X/.test(n)) ?? ''));
        setYSample(current => current || (sampleNames.find(n => /^y(_|$)/.test(n)) ?? ''));
      })
      .catch(error => {
        if (!alive) {
          return;
        }
        if (error instanceof CatalogRequestError && error.code === 'no_kernel') {
          setKernel({ status: 'no_kernel', message: error.message });
        } else {
          setKernel({ status: 'error', message: (error as Error).message });
        }
      });
    return () => {
      alive = false;
    };
  }, [attempt]);

  const data = kernel.status === 'ready' ? kernel.data : null;
  const pending = isNotebook && data?.pending_changes?.dirty ? data.pending_changes.files : null;
  const problems: string[] = [];
  if (!name.trim()) {
    problems.push('Give the model a name.');
  }
  if (tagError) {
    problems.push('Fix the tag being typed, or clear it.');
  }
  if (isNotebook && !variable) {
    problems.push('Choose the variable that holds the model.');
  }
  if (pending && !ignorePending) {
    problems.push('Commit the pending changes, or tick “Ignore uncommitted changes”.');
  }
  const canSave = kernel.status === 'ready' && problems.length === 0;

  const buildRequest = (): SaveRequest | null => {
    if (!canSave) {
      return null;
    }
    const common = {
      path: options.path,
      display_name: name.trim(),
      description,
      freeform_tags: tags,
      project_id: projectId.trim() || null,
      compartment_id: compartmentId.trim() || null,
      as_new_version_of: parent?.id ?? null,
      ignore_pending_changes: ignorePending
    };
    if (isNotebook) {
      return {
        kind: 'notebook',
        request: {
          ...common,
          variable,
          X_sample: xSample || null,
          y_sample: ySample || null,
          as_onnx: asOnnx
        }
      };
    }
    return { kind: 'file', request: common };
  };
  const request = buildRequest();
  const submit = () => {
    if (request) {
      props.onSubmit(request);
    }
  };
  // Every render: the dialog's own Save button follows the form's state.
  useLayoutEffect(() => props.onValidity?.(request));

  // Keyboard focus always sits inside the dialog, on the first thing to do in each state.
  const stateRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    stateRef.current?.querySelector<HTMLElement>('button, input')?.focus();
  }, [kernel.status, kernel.status === 'ready' && kernel.data?.models.length === 0]);

  let kernelPart: React.ReactNode = null;
  if (isNotebook) {
    if (kernel.status === 'loading') {
      kernelPart = (
        <div className="mc-Panel-loading">Asking the notebook’s kernel for its models…</div>
      );
    } else if (kernel.status === 'no_kernel') {
      kernelPart = (
        <div className="mc-Banner mc-Banner-warn mc-NoKernel" role="alert" ref={stateRef}>
          <p>
            <strong>{PathExt.basename(options.path)}</strong> has no running kernel, so there is no
            trained model to save yet. Open the notebook, run the cells that train the model, then
            save again.
          </p>
          <p className="mc-Dim">{kernel.message}</p>
          <div className="mc-Banner-buttons">
            {options.openNotebook && (
              <button
                className="jp-Button jp-mod-styled jp-mod-accept"
                onClick={() => {
                  options.openNotebook!(options.path);
                  props.onCancel();
                }}
              >
                Open notebook
              </button>
            )}
            <button className="jp-Button jp-mod-styled" onClick={() => setAttempt(attempt + 1)}>
              Try again
            </button>
          </div>
        </div>
      );
    } else if (kernel.status === 'error') {
      kernelPart = (
        <div className="mc-Banner mc-Banner-error" role="alert" ref={stateRef}>
          <p>{kernel.message}</p>
          <button className="jp-Button jp-mod-styled" onClick={() => setAttempt(attempt + 1)}>
            Try again
          </button>
        </div>
      );
    } else if (data && data.models.length === 0) {
      kernelPart = (
        <div className="mc-Banner mc-Banner-warn mc-NoModel" role="alert" ref={stateRef}>
          <p>
            The kernel holds no model variable this catalog can save (scikit-learn, XGBoost,
            LightGBM, ONNX, …). Run the cells that train it, then refresh.
          </p>
          <button className="jp-Button jp-mod-styled" onClick={() => setAttempt(attempt + 1)}>
            Refresh
          </button>
        </div>
      );
    } else if (data) {
      kernelPart = (
        <>
          <fieldset className="mc-Field">
            <legend>Model variable</legend>
            <div className="mc-Variables">
              {data.models.map(model => (
                <label key={model.name} className="mc-Variable" title={model.repr}>
                  <input
                    type="radio"
                    name="mc-variable"
                    value={model.name}
                    checked={variable === model.name}
                    onChange={() => {
                      setVariable(model.name);
                      if (!nameTouched) {
                        setName(model.name === 'model' ? baseName : `${baseName}-${model.name}`);
                      }
                    }}
                  />
                  <span className="mc-Mono">{model.name}</span>
                  <span className="mc-Dim">
                    {model.type}
                    {model.framework ? ` · ${model.framework}` : ''}
                  </span>
                </label>
              ))}
            </div>
          </fieldset>
          <div className="mc-Field-row">
            <SampleSelect
              label="Input sample (X)"
              ariaLabel="Input sample"
              samples={data.samples}
              value={xSample}
              onChange={setXSample}
            />
            <SampleSelect
              label="Output sample (y)"
              ariaLabel="Output sample"
              samples={data.samples}
              value={ySample}
              onChange={setYSample}
            />
          </div>
        </>
      );
    }
  }

  const formReady = kernel.status === 'ready' && (!isNotebook || (data?.models.length ?? 0) > 0);

  return (
    <form
      className="mc-SaveForm"
      onSubmit={event => {
        event.preventDefault();
        submit();
      }}
      onKeyDown={event => {
        // Enter in a one-line field saves (the tag editor keeps an Enter that adds a tag).
        const target = event.target as HTMLElement;
        if (
          event.key === 'Enter' &&
          target instanceof HTMLInputElement &&
          target.type !== 'checkbox'
        ) {
          event.preventDefault();
          submit();
        }
      }}
    >
      {kernelPart}
      {formReady && (
        <>
          <label className="mc-Field">
            <span>Name</span>
            <input
              className={`jp-mod-styled${name.trim() ? '' : ' mc-mod-invalid'}`}
              aria-label="Name"
              name="display_name"
              value={name}
              autoFocus
              onChange={event => {
                setName(event.target.value);
                setNameTouched(true);
              }}
            />
          </label>
          <label className="mc-Field">
            <span>Description</span>
            <textarea
              className="jp-mod-styled"
              aria-label="Description"
              rows={2}
              value={description}
              onChange={event => setDescription(event.target.value)}
            />
          </label>
          <div className="mc-Field">
            <span>Tags</span>
            <TagEditor tags={tags} onChange={setTags} onPendingError={setTagError} />
          </div>
          <div className="mc-Field-row">
            <label className="mc-Field">
              <span>Project</span>
              <input
                className="jp-mod-styled"
                aria-label="Project"
                value={projectId}
                placeholder="(none)"
                list={projects.length ? 'mc-SaveDialog-projects' : undefined}
                onChange={event => setProjectId(event.target.value)}
              />
              {projects.length > 0 && (
                <datalist id="mc-SaveDialog-projects">
                  {projects.map(p => (
                    <option key={p.id} value={p.id}>
                      {p.display_name}
                    </option>
                  ))}
                </datalist>
              )}
            </label>
            <label className="mc-Field">
              <span>Compartment</span>
              <input
                className="jp-mod-styled"
                aria-label="Compartment"
                value={compartmentId}
                placeholder="(none)"
                onChange={event => setCompartmentId(event.target.value)}
              />
            </label>
          </div>
          <div className="mc-Field">
            <span>Save as a new version of</span>
            <ModelPicker client={options.client} value={parent} onChange={setParent} />
          </div>
          {isNotebook && (
            <label className="mc-Check">
              <input type="checkbox" checked={asOnnx} onChange={e => setAsOnnx(e.target.checked)} />
              Convert to ONNX (portable; the artifact loads with onnxruntime)
            </label>
          )}
          {pending && (
            <div className="mc-Banner mc-Banner-warn mc-Pending">
              <p>
                These files have uncommitted changes, so the saved provenance would not match git:
              </p>
              <ul>
                {pending.map(file => (
                  <li key={file} className="mc-Mono">
                    {file}
                  </li>
                ))}
              </ul>
              <label className="mc-Check">
                <input
                  type="checkbox"
                  checked={ignorePending}
                  onChange={e => setIgnorePending(e.target.checked)}
                />
                Ignore uncommitted changes
              </label>
            </div>
          )}
        </>
      )}
      <div className="mc-SaveForm-footer">
        <span className="mc-Dim mc-SaveForm-problem">{formReady ? (problems[0] ?? '') : ''}</span>
      </div>
    </form>
  );
}

/** The dialog's body: the form, and the request it holds when Save is pressed. */
class SaveFormBody extends ReactWidget {
  constructor(private readonly _options: ISaveDialogOptions) {
    super();
    this.addClass('mc-SaveDialog-body');
  }

  /** Wired by showSaveDialog once the dialog exists. */
  dialog: Dialog<SaveRequest | null> | null = null;

  getValue(): SaveRequest | null {
    return this._request;
  }

  protected render(): JSX.Element {
    return (
      <>
        <div className="mc-SaveDialog-subtitle mc-Mono" title={this._options.path}>
          {this._options.path}
        </div>
        <SaveForm
          options={this._options}
          onValidity={request => {
            this._request = request;
            const save = this.dialog?.node.querySelector<HTMLButtonElement>('.mc-SaveForm-save');
            if (save) {
              save.disabled = request === null;
            }
          }}
          onSubmit={request => {
            this._request = request;
            this.dialog?.resolve(1);
          }}
          onCancel={() => this.dialog?.reject()}
        />
      </>
    );
  }

  private _request: SaveRequest | null = null;
}

/**
 * JupyterLab's modal dialog (backdrop, focus kept inside, Escape, focus given back), except
 * that Enter inside the form is the form's: the tag editor uses it to add a tag.
 */
class SaveDialog extends Dialog<SaveRequest | null> {
  handleEvent(event: Event): void {
    if (event.type === 'keydown') {
      const key = event as KeyboardEvent;
      if (key.key === 'Enter' && (key.target as HTMLElement | null)?.closest?.('.mc-SaveForm')) {
        return;
      }
      if (key.key === 'Tab' && this._wrapFocus(key)) {
        return;
      }
    }
    super.handleEvent(event);
  }

  /**
   * Keep Tab inside: Dialog wraps only from its last button, which is our Save and often
   * disabled, so the focus would slip out to the page for one keystroke.
   */
  private _wrapFocus(event: KeyboardEvent): boolean {
    const focusable = Array.from(
      this.node.querySelectorAll<HTMLElement>(
        'button, input, select, textarea, a[href], [tabindex]'
      )
    ).filter(
      el => !(el as HTMLButtonElement).disabled && el.tabIndex >= 0 && el.offsetParent !== null
    );
    if (focusable.length === 0) {
      return false;
    }
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    const active = document.activeElement;
    if (!event.shiftKey && (active === last || !this.node.contains(active))) {
      first.focus();
    } else if (event.shiftKey && (active === first || !this.node.contains(active))) {
      last.focus();
    } else {
      return false;
    }
    event.preventDefault();
    event.stopPropagation();
    return true;
  }
}

/** Show the save dialog; resolves with the request to send, or null when cancelled. */
export async function showSaveDialog(options: ISaveDialogOptions): Promise<SaveRequest | null> {
  const body = new SaveFormBody(options);
  const dialog = new SaveDialog({
    title: options.kind === 'notebook' ? 'Save model to catalog' : 'Save model file to catalog',
    body,
    buttons: [
      Dialog.cancelButton(),
      Dialog.okButton({ label: 'Save', className: 'mc-SaveForm-save' })
    ],
    // Focus starts on Cancel (Save is disabled until the form is complete).
    defaultButton: 0,
    hasClose: true
  });
  dialog.addClass('mc-SaveDialog');
  body.dialog = dialog;
  // Opened from a menu, the focus was on the menu, which is gone: give it back to where
  // the user was (the file browser's selected file), not to the page.
  const before = document.activeElement as HTMLElement | null;
  const result = await dialog.launch();
  const candidates = [
    before?.isConnected ? before : null,
    document.querySelector<HTMLElement>(
      '.jp-DirListing-item.jp-mod-selected .jp-DirListing-itemText'
    ),
    document.querySelector<HTMLElement>('.jp-DirListing')
  ];
  for (const candidate of candidates) {
    if (document.activeElement && document.activeElement !== document.body) {
      break;
    }
    candidate?.focus();
  }
  return result.button.accept ? result.value : null;
}
