import { Notification } from '@jupyterlab/apputils';
import { ServerConnection } from '@jupyterlab/services';

import { CatalogRequestError, ServerExtensionMissingError } from './api';

/**
 * A failure said in the user's terms: what went wrong and what to do. Internals (database
 * URLs, "Failed to fetch", stack traces) go to the browser console; the server already
 * logged its side.
 */
export interface IUserError {
  /** What went wrong, in one sentence. */
  message: string;
  /** What to do about it. */
  hint: string;
  /** The Jupyter server does not answer at all (the whole panel is stale). */
  unreachable: boolean;
  /** The model is not in the catalog (any more). */
  notFound: boolean;
  /** The server side failed (not the request): a view shows this instead of its content. */
  blocking: boolean;
}

/** Read any thrown value as an {@link IUserError}. */
export function describeError(error: unknown): IUserError {
  const plain = (message: string, hint = '', flags: Partial<IUserError> = {}): IUserError => ({
    message,
    hint,
    unreachable: false,
    notFound: false,
    blocking: false,
    ...flags
  });
  if (
    error instanceof ServerConnection.NetworkError ||
    (error instanceof TypeError && /fetch|network/i.test(error.message))
  ) {
    return plain(
      'The Jupyter server is not answering.',
      'Check that it is still running and that this computer is online, then retry.',
      { unreachable: true, blocking: true }
    );
  }
  if (error instanceof ServerExtensionMissingError) {
    return plain('The model catalog is not installed on this Jupyter server.', error.message, {
      blocking: true
    });
  }
  if (error instanceof CatalogRequestError) {
    if (error.code === 'not_found' || error.status === 404) {
      return plain(
        'This model is no longer in the catalog.',
        'It was deleted, maybe by someone else. Refresh the list to see what is there now.',
        { notFound: true }
      );
    }
    if (error.code === 'catalog_unavailable') {
      console.warn('model-catalog-ext: catalog unavailable:', error.message);
      return plain(
        'The catalog cannot be opened right now.',
        'Whoever runs this Jupyter server finds the reason in its log. Retry in a moment.',
        { blocking: true }
      );
    }
    if (error.status >= 500) {
      console.warn('model-catalog-ext: server error:', error.code, error.message);
      return plain(
        'The catalog failed to answer.',
        'The reason is in the Jupyter server’s log. Retry; if it keeps failing, report it.',
        { blocking: true }
      );
    }
    // 4xx messages are written for users: they say what is wrong and what to do.
    return plain(error.message);
  }
  if (error instanceof Error) {
    console.warn('model-catalog-ext:', error);
    return plain(error.message || 'Something went wrong.');
  }
  return plain(String(error));
}

/** "Could not delete “churn” v3: This model is no longer in the catalog. It was…" */
export function errorText(doing: string, error: unknown): string {
  const { message, hint } = describeError(error);
  return `${doing}: ${message}${hint ? ` ${hint}` : ''}`;
}

/**
 * The one way an action reports that it failed: a JupyterLab notification that stays until
 * dismissed. `id` updates an in-progress notification instead of adding one.
 */
export function notifyFailure(
  doing: string,
  error: unknown,
  id?: string,
  actions: Notification.IAction[] = []
): void {
  const message = errorText(doing, error);
  if (id) {
    Notification.update({ id, message, type: 'error', autoClose: false, actions });
  } else {
    Notification.error(message, { autoClose: false, actions });
  }
}
