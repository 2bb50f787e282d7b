import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** The REST namespace of the server extension. The only place URLs are built. */
export const API_NAMESPACE = 'model-catalog/api';

/** An error answered by the catalog's REST API: `{error, message}` with an HTTP status. */
export class CatalogRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {}
  ) {
    super(message);
    this.name = 'CatalogRequestError';
  }
}

/** The server extension is not installed or not enabled: its routes answer a plain 404. */
export class ServerExtensionMissingError extends Error {
  constructor() {
    super(
      'The model catalog server extension is not installed or not enabled. ' +
        'Install it with "pip install model-catalog-ext" in the environment that runs ' +
        'JupyterLab, check "jupyter server extension list", then restart JupyterLab.'
    );
    this.name = 'ServerExtensionMissingError';
  }
}

/** Build the URL of an endpoint, with query parameters (undefined/empty values dropped). */
export function apiUrl(
  settings: ServerConnection.ISettings,
  endPoint: string,
  query: Record<string, string | number | boolean | undefined | null> = {}
): string {
  const url = URLExt.join(settings.baseUrl, API_NAMESPACE, endPoint);
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') {
      params.append(key, String(value));
    }
  }
  const search = params.toString();
  return search ? `${url}?${search}` : url;
}

/**
 * Call the catalog's REST API and parse the JSON answer.
 *
 * Throws {@link ServerExtensionMissingError} when the route does not exist at all and
 * {@link CatalogRequestError} with the server's own message for every other failure.
 */
export async function requestAPI<T>(
  endPoint: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings(),
  query: Record<string, string | number | boolean | undefined | null> = {}
): Promise<T> {
  const url = apiUrl(settings, endPoint, query);
  // JupyterLab's default `no-store` appends a bare cache-busting number to GET URLs; the
  // server ignores it, but `no-cache` (revalidate) keeps URLs clean and still never stale.
  const requestInit: RequestInit = { cache: 'no-cache', ...init };
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, requestInit, settings);
  } catch (error) {
    throw new ServerConnection.NetworkError(error as TypeError);
  }
  const text = await response.text();
  let data: any = undefined;
  if (text.length > 0) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (!response.ok) {
    // Our handlers always answer errors as {error, message}; a 404 without that shape
    // comes from Jupyter Server itself: the extension's routes are not there.
    if (response.status === 404 && !(data && typeof data.error === 'string')) {
      throw new ServerExtensionMissingError();
    }
    const code = data && typeof data.error === 'string' ? data.error : 'http_error';
    const message =
      (data && typeof data.message === 'string' && data.message) ||
      `${response.status} ${response.statusText || 'request failed'}`;
    throw new CatalogRequestError(response.status, code, message, data?.details ?? {});
  }
  return data as T;
}

/** The server's answer to GET version. */
export interface IServerVersion {
  version: string;
  api: number;
}

/** Which catalog the server serves, and what its backend can do (GET capabilities). */
export interface ICapabilities {
  version: string;
  api: number;
  backend: {
    kind: string;
    label: string;
    location: string;
  };
  capabilities: {
    filters: Record<string, 'native' | 'slow'>;
    sorts: string[];
    /** Answers `latest` (one row per model); older servers leave it out. */
    latest_only?: boolean;
    /** Answers `total`. */
    count_total?: boolean;
    deduplicates: boolean;
    verify_stored: boolean;
    garbage_collection: boolean;
    versions: boolean;
    history: boolean;
    projects: boolean;
  } | null;
}

export function fetchServerVersion(settings?: ServerConnection.ISettings): Promise<IServerVersion> {
  return requestAPI<IServerVersion>('version', {}, settings);
}

// ---------------------------------------------------------------------------------------
// Types mirroring the REST contract (model_catalog_ext/server/openapi.yaml).

export type LifecycleState = 'ACTIVE' | 'INACTIVE';

export interface ISchemaColumn {
  name: string;
  dtype?: string;
  feature_type?: string;
  order?: number;
  required?: boolean;
  description?: string;
  domain?: unknown;
}

export interface IModelSchema {
  schema: ISchemaColumn[];
  version?: string;
}

export interface IProvenance {
  git_branch: string | null;
  git_commit: string | null;
  repository_url: string | null;
  script_dir: string | null;
  training_script: string | null;
  git_dirty: boolean;
}

export interface IManifestFile {
  path: string;
  size: number;
  sha256: string;
}

export interface ICustomMetadata {
  key: string;
  value: unknown;
  category?: string;
  description?: string;
}

/** A catalog entry ("ModelEntry"). `manifest` is only present on single-model GETs. */
export interface IModelEntry {
  id: string;
  compartment_id: string | null;
  project_id: string | null;
  display_name: string;
  description: string;
  created_by: string;
  time_created: string;
  time_updated: string | null;
  lifecycle_state: LifecycleState;
  freeform_tags: Record<string, string>;
  defined_metadata: Record<string, any>;
  custom_metadata: ICustomMetadata[];
  input_schema: IModelSchema | null;
  output_schema: IModelSchema | null;
  provenance: Partial<IProvenance>;
  version_set_id: string;
  version: number;
  parent_id: string | null;
  artifact_digest: string;
  artifact_size: number;
  manifest?: IManifestFile[];
  etag: string;
  /** How many versions the model has; in listings asked for with `latest`. */
  version_count?: number;
}

export interface IModelPage {
  items: IModelEntry[];
  next_page_token: string | null;
  /** Every match on all pages; present when the listing was asked for it (`total`). */
  total?: number;
}

export type SortField = 'time_created' | 'time_updated' | 'name' | 'version';
export type SortOrder = 'asc' | 'desc';

/** Query of GET models. `q` is the search-box grammar (see search.ts). */
export interface IListQuery {
  q?: string;
  state?: 'ACTIVE' | 'INACTIVE' | 'ALL';
  sort?: SortField;
  order?: SortOrder;
  limit?: number;
  page_token?: string | null;
  /** One row per model: the newest version of each, with its `version_count`. */
  latest?: boolean;
  /** Also count every match (`total` of the page). */
  total?: boolean;
}

/** The fields PATCH models/{id} accepts. */
export interface IModelChanges {
  display_name?: string;
  description?: string;
  freeform_tags?: Record<string, string>;
  custom_metadata?: ICustomMetadata[];
  defined_metadata?: Record<string, any>;
  provenance?: Partial<IProvenance>;
  project_id?: string | null;
  compartment_id?: string | null;
}

export interface INotebookVariable {
  name: string;
  type: string;
  framework?: string | null;
  repr?: string;
}

export interface INotebookSample {
  name: string;
  type: string;
  shape?: number[] | null;
  columns?: string[] | null;
}

export interface INotebookModels {
  kernel_id: string;
  models: INotebookVariable[];
  samples: INotebookSample[];
  pending_changes: { dirty: boolean; files: string[] };
}

/** Common metadata of a save request (notebook variable or model file). */
export interface ISaveMetadata {
  display_name: string;
  description?: string;
  freeform_tags?: Record<string, string>;
  project_id?: string | null;
  compartment_id?: string | null;
  as_new_version_of?: string | null;
  ignore_pending_changes?: boolean;
}

export interface ISaveNotebookRequest extends ISaveMetadata {
  path: string;
  variable: string;
  X_sample?: string | null;
  y_sample?: string | null;
  as_onnx?: boolean;
}

export interface ISaveFileRequest extends ISaveMetadata {
  path: string;
}

export interface IJobError {
  error: string;
  message: string;
  details?: Record<string, any>;
}

export interface IJob {
  id: string;
  state: 'pending' | 'running' | 'succeeded' | 'failed';
  step?: string | null;
  progress?: number | null;
  model: IModelEntry | null;
  error: IJobError | null;
}

type Query = Record<string, string | number | boolean | undefined | null>;

/** The API error a failed response carries (`{error, message}`, or its status line). */
async function errorOf(response: Response): Promise<CatalogRequestError> {
  const text = await response.text();
  let message = `${response.status} ${response.statusText}`;
  let code = 'http_error';
  try {
    const data = JSON.parse(text);
    message = data.message ?? message;
    code = data.error ?? code;
  } catch {
    // not JSON: keep the status line
  }
  return new CatalogRequestError(response.status, code, message);
}

/** One project of GET projects (backends whose capabilities say `projects`). */
export interface IProject {
  id: string;
  display_name: string;
  description: string;
  compartment_id: string;
  lifecycle_state: string;
  time_created: string | null;
  created_by: string | null;
}

/** One change of a model (GET models/{id}/history): who, when, what. */
export interface IHistoryRecord {
  model_id: string;
  version_set_id: string;
  version: number;
  /** Grows with every record of the catalog: orders the records of several versions. */
  sequence: number;
  /** ISO-8601, UTC. */
  at: string;
  actor: string;
  action: 'saved' | 'edited' | 'activated' | 'deactivated' | 'deleted';
  /** {field: [old, new]}; a save lists the values the version started with as [null, value]. */
  changes: Record<string, [unknown, unknown]>;
}

/**
 * The one typed client of the catalog's REST API. Components and the model talk to the
 * server only through an instance of this class (tests hand in a fake one).
 */
export class CatalogClient {
  constructor(readonly settings: ServerConnection.ISettings = ServerConnection.makeSettings()) {}

  private json<T>(endPoint: string, init: RequestInit = {}, query: Query = {}): Promise<T> {
    return requestAPI<T>(endPoint, init, this.settings, query);
  }

  private post<T>(endPoint: string, body?: unknown): Promise<T> {
    return this.json<T>(endPoint, {
      method: 'POST',
      body: body === undefined ? undefined : JSON.stringify(body)
    });
  }

  version(): Promise<IServerVersion> {
    return fetchServerVersion(this.settings);
  }

  /**
   * What the server's catalog is. Servers older than GET capabilities answer with their
   * version only (backend unknown, capabilities null).
   */
  async capabilities(): Promise<ICapabilities> {
    try {
      return await this.json<ICapabilities>('capabilities');
    } catch (error) {
      const missing =
        error instanceof ServerExtensionMissingError ||
        (error instanceof CatalogRequestError && error.status === 404);
      if (!missing) {
        throw error;
      }
      const version = await this.version();
      return { ...version, backend: { kind: '', label: '', location: '' }, capabilities: null };
    }
  }

  /** The projects of the catalog's compartment, newest first; none where the backend has none. */
  async listProjects(): Promise<IProject[]> {
    const caps = await this.capabilities();
    if (!caps.capabilities?.projects) {
      return [];
    }
    return (await this.json<{ items: IProject[] }>('projects')).items;
  }

  /** One page of GET models. */
  listModels(query: IListQuery = {}, init: RequestInit = {}): Promise<IModelPage> {
    return this.json<IModelPage>('models', init, { ...query } as Query);
  }

  getModel(id: string): Promise<IModelEntry> {
    return this.json<IModelEntry>(`models/${encodeURIComponent(id)}`);
  }

  /** PATCH metadata; with an etag the server answers 412 `conflict` when it is stale. */
  updateModel(id: string, changes: IModelChanges, etag?: string): Promise<IModelEntry> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    if (etag) {
      headers['If-Match'] = `"${etag}"`;
    }
    return this.json<IModelEntry>(`models/${encodeURIComponent(id)}`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify(changes)
    });
  }

  deactivate(id: string): Promise<IModelEntry> {
    return this.post<IModelEntry>(`models/${encodeURIComponent(id)}/deactivate`);
  }

  activate(id: string): Promise<IModelEntry> {
    return this.post<IModelEntry>(`models/${encodeURIComponent(id)}/activate`);
  }

  async deleteModel(id: string): Promise<void> {
    await this.json<void>(`models/${encodeURIComponent(id)}`, { method: 'DELETE' });
  }

  /**
   * Who changed the model, when and what, oldest first (`allVersions`: every version's
   * changes); null when the catalog keeps no history (capabilities.history is false).
   */
  async history(id: string, allVersions = false): Promise<IHistoryRecord[] | null> {
    // Whether there is a history does not change while the server runs: ask once.
    this._keepsHistory ??= this.capabilities().then(caps => !!caps.capabilities?.history);
    this._keepsHistory.catch(() => (this._keepsHistory = undefined));
    if (!(await this._keepsHistory)) {
      return null;
    }
    const answer = await this.json<{ items: IHistoryRecord[] }>(
      `models/${encodeURIComponent(id)}/history`,
      {},
      allVersions ? { all_versions: 'true' } : {}
    );
    return answer.items;
  }

  private _keepsHistory?: Promise<boolean>;

  async versions(id: string): Promise<IModelEntry[]> {
    const answer = await this.json<{ items: IModelEntry[] }>(
      `models/${encodeURIComponent(id)}/versions`
    );
    return answer.items;
  }

  /**
   * The URL of the artifact zip, for a browser download. The browser sends Jupyter's
   * auth cookie itself; a token (when the page has one) goes in the query.
   */
  artifactUrl(id: string): string {
    return apiUrl(this.settings, `models/${encodeURIComponent(id)}/artifact`, {
      token: this.settings.token || undefined
    });
  }

  /**
   * The artifact zip as a Blob, reporting `progress(doneBytes, totalBytes)` as it arrives
   * (total 0 when the server does not say). Errors are the API's usual ones.
   */
  async downloadArtifact(
    id: string,
    progress: (done: number, total: number) => void = () => undefined
  ): Promise<Blob> {
    const url = apiUrl(this.settings, `models/${encodeURIComponent(id)}/artifact`);
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(url, { cache: 'no-cache' }, this.settings);
    } catch (error) {
      throw new ServerConnection.NetworkError(error as TypeError);
    }
    if (!response.ok) {
      throw await errorOf(response);
    }
    const total = Number(response.headers.get('Content-Length')) || 0;
    if (!response.body) {
      return response.blob();
    }
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let done = 0;
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        break;
      }
      chunks.push(next.value);
      done += next.value.byteLength;
      progress(done, total);
    }
    return new Blob(chunks, { type: 'application/zip' });
  }

  /** The text of one artifact file (score.py, requirements.txt, ...). */
  async artifactFileText(id: string, path: string): Promise<string> {
    const encodedPath = path.split('/').map(encodeURIComponent).join('/');
    const url = apiUrl(
      this.settings,
      `models/${encodeURIComponent(id)}/artifact/files/${encodedPath}`
    );
    const response = await ServerConnection.makeRequest(url, { cache: 'no-cache' }, this.settings);
    if (!response.ok) {
      throw await errorOf(response);
    }
    return response.text();
  }

  /** Unpack the artifact into a folder of the server's file tree. */
  downloadToFolder(id: string, path: string, forceOverwrite = false): Promise<{ path: string }> {
    return this.post<{ path: string }>(`models/${encodeURIComponent(id)}/download`, {
      path,
      force_overwrite: forceOverwrite
    });
  }

  /** The model variables and samples held by a notebook's kernel (409 `no_kernel` if none). */
  notebookModels(path: string): Promise<INotebookModels> {
    return this.json<INotebookModels>('notebooks/models', {}, { path });
  }

  saveNotebookModel(request: ISaveNotebookRequest): Promise<{ job_id: string }> {
    return this.post<{ job_id: string }>('notebooks/save', request);
  }

  saveModelFile(request: ISaveFileRequest): Promise<{ job_id: string }> {
    return this.post<{ job_id: string }>('files/save', request);
  }

  job(jobId: string): Promise<IJob> {
    return this.json<IJob>(`jobs/${encodeURIComponent(jobId)}`);
  }
}
