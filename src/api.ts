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
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
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

export function fetchServerVersion(
  settings?: ServerConnection.ISettings
): Promise<IServerVersion> {
  return requestAPI<IServerVersion>('version', {}, settings);
}
