import { Notification } from '@jupyterlab/apputils';
import { ServerConnection } from '@jupyterlab/services';

import { fetchServerVersion, ServerExtensionMissingError } from './api';
import { FRONTEND_VERSION } from './version';

/** What the version handshake found. */
export type HandshakeResult =
  | { status: 'ok'; serverVersion: string }
  | { status: 'mismatch'; serverVersion: string; message: string }
  | { status: 'missing'; message: string }
  | { status: 'error'; message: string };

/** Compare the server extension's version with the frontend's. */
export async function checkServerVersion(
  settings?: ServerConnection.ISettings
): Promise<HandshakeResult> {
  try {
    const { version } = await fetchServerVersion(settings);
    if (version !== FRONTEND_VERSION) {
      return {
        status: 'mismatch',
        serverVersion: version,
        message:
          `Model catalog: the JupyterLab extension is version ${FRONTEND_VERSION} but the ` +
          `server extension is ${version}. Reinstall model-catalog-ext in the environment ` +
          'that runs JupyterLab and restart it.'
      };
    }
    return { status: 'ok', serverVersion: version };
  } catch (error) {
    if (error instanceof ServerExtensionMissingError) {
      return { status: 'missing', message: error.message };
    }
    return {
      status: 'error',
      message: `Model catalog: the server did not answer the version check (${
        (error as Error).message
      }).`
    };
  }
}

/** Run the handshake and tell the user when something is off. */
export async function notifyOnVersionProblem(
  settings?: ServerConnection.ISettings
): Promise<HandshakeResult> {
  const result = await checkServerVersion(settings);
  if (result.status !== 'ok') {
    Notification.error(result.message, { autoClose: false });
  }
  return result;
}
