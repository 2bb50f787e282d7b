import { ServerConnection } from '@jupyterlab/services';

import {
  apiUrl,
  CatalogClient,
  CatalogRequestError,
  requestAPI,
  ServerExtensionMissingError
} from '../api';
import { checkServerVersion } from '../handshake';
import { FRONTEND_VERSION } from '../version';
import packageJson from '../../package.json';

/** Just enough of the fetch API's Request for ServerConnection.makeRequest. */
class FakeRequest {
  readonly headers = new Map<string, string>() as Map<string, string> & {
    append(k: string, v: string): void;
  };
  constructor(
    readonly url: string,
    readonly init: RequestInit
  ) {
    this.headers.append = (k: string, v: string) => {
      this.headers.set(k, v);
    };
  }
}

/** Server settings whose fetch answers with `status` and `body`, recording the URLs asked. */
function fakeServer(status: number, body: string, seen: string[] = []) {
  const fetch = async (input: any) => {
    seen.push(typeof input === 'string' ? input : input.url);
    return {
      ok: status >= 200 && status < 300,
      status,
      statusText: status === 404 ? 'Not Found' : 'OK',
      headers: new Map(),
      text: async () => body
    } as any;
  };
  return ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/',
    fetch: fetch as any,
    Request: FakeRequest as any
  });
}

describe('requestAPI', () => {
  it('turns a bare 404 into "server extension not installed"', async () => {
    const settings = fakeServer(404, '<html>404: Not Found</html>');
    await expect(requestAPI('version', {}, settings)).rejects.toBeInstanceOf(
      ServerExtensionMissingError
    );
    await expect(requestAPI('version', {}, settings)).rejects.toThrow(
      /server extension is not installed/
    );
  });

  it("keeps the catalog's own 404 (unknown model) as a CatalogRequestError", async () => {
    const body = JSON.stringify({ error: 'not_found', message: 'No model with id "x".' });
    const settings = fakeServer(404, body);
    const failure = requestAPI('models/x', {}, settings);
    await expect(failure).rejects.toBeInstanceOf(CatalogRequestError);
    await expect(failure).rejects.toMatchObject({
      status: 404,
      code: 'not_found',
      message: 'No model with id "x".'
    });
  });

  it('parses JSON and asks the namespaced URL', async () => {
    const seen: string[] = [];
    const settings = fakeServer(200, '{"version": "1.2.3", "api": 1}', seen);
    const data = await requestAPI<{ version: string }>('version', {}, settings);
    expect(data.version).toBe('1.2.3');
    // (ServerConnection appends a cache-busting number to GETs.)
    expect(seen[0]).toMatch(/^http:\/\/localhost:8888\/model-catalog\/api\/version(\?\d+)?$/);
  });
});

describe('apiUrl', () => {
  it('drops empty query values and encodes the rest', () => {
    const settings = ServerConnection.makeSettings({ baseUrl: 'http://h/' });
    expect(apiUrl(settings, 'models', { q: 'tag:version=3', empty: '', none: undefined })).toBe(
      'http://h/model-catalog/api/models?q=tag%3Aversion%3D3'
    );
  });
});

describe('version handshake', () => {
  it('matches package.json', () => {
    expect(FRONTEND_VERSION).toBe(packageJson.version);
  });

  it('reports ok, mismatch and missing', async () => {
    const ok = await checkServerVersion(
      fakeServer(200, JSON.stringify({ version: FRONTEND_VERSION, api: 1 }))
    );
    expect(ok.status).toBe('ok');
    const mismatch = await checkServerVersion(
      fakeServer(200, JSON.stringify({ version: '9.9.9', api: 1 }))
    );
    expect(mismatch.status).toBe('mismatch');
    expect((mismatch as any).message).toMatch(/9\.9\.9/);
    const missing = await checkServerVersion(fakeServer(404, 'nope'));
    expect(missing.status).toBe('missing');
  });
});

/** Server settings answering each path (after /model-catalog/api/) from `routes`. */
function routedServer(routes: Record<string, unknown>, seen: string[] = []) {
  const fetch = async (input: any) => {
    const url: string = typeof input === 'string' ? input : input.url;
    seen.push(url);
    const path = url.replace(/^.*\/model-catalog\/api\//, '').replace(/\?.*$/, '');
    const found = path in routes;
    return {
      ok: found,
      status: found ? 200 : 404,
      statusText: found ? 'OK' : 'Not Found',
      headers: new Map(),
      text: async () => JSON.stringify(found ? routes[path] : { error: 'not_found', message: path })
    } as any;
  };
  return ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/',
    fetch: fetch as any,
    Request: FakeRequest as any
  });
}

describe('CatalogClient.listProjects', () => {
  const project = {
    id: 'ocid1.datascienceproject.oc1..p',
    display_name: 'churn work',
    description: '',
    compartment_id: 'ocid1.compartment.oc1..c',
    lifecycle_state: 'ACTIVE',
    time_created: '2026-01-01T00:00:00+00:00',
    created_by: null
  };

  it('lists the projects when the backend has them', async () => {
    const settings = routedServer({
      capabilities: { capabilities: { projects: true } },
      projects: { items: [project] }
    });
    expect(await new CatalogClient(settings).listProjects()).toEqual([project]);
  });

  it('does not ask for projects where the backend has none', async () => {
    const seen: string[] = [];
    const settings = routedServer({ capabilities: { capabilities: { projects: false } } }, seen);
    expect(await new CatalogClient(settings).listProjects()).toEqual([]);
    expect(seen.some(url => url.includes('/projects'))).toBe(false);
  });
});
