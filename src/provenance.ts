import { IProvenance } from './api';

/**
 * Where the training notebook of an entry may be in this server's file tree, best guess
 * first. `training_script` is relative to the repository root and `script_dir` is the
 * absolute folder it was run from; the server tree starts at `serverRoot` (absolute).
 * Paths come back relative to the server root, with "/" separators.
 */
export function trainingScriptCandidates(
  provenance: Partial<IProvenance> | null | undefined,
  serverRoot: string
): string[] {
  const script = (provenance?.training_script || '').replace(/\\/g, '/');
  const dir = (provenance?.script_dir || '').replace(/\\/g, '/');
  if (!script) {
    return [];
  }
  const root = serverRoot.replace(/\\/g, '/').replace(/\/+$/, '');
  const base = script.split('/').pop() as string;
  const out: string[] = [];
  const relativeToRoot = (absolute: string): string | null => {
    if (!root) {
      return null;
    }
    if (absolute === root) {
      return '';
    }
    return absolute.startsWith(root + '/') ? absolute.slice(root.length + 1) : null;
  };
  if (script.startsWith('/')) {
    const rel = relativeToRoot(script);
    if (rel) {
      out.push(rel);
    }
  }
  if (dir) {
    const relDir = dir.startsWith('/') ? relativeToRoot(dir) : dir;
    if (relDir !== null) {
      out.push(relDir ? `${relDir}/${base}` : base);
      // script_dir may be the repository root rather than the script's own folder.
      if (script.includes('/')) {
        out.push(relDir ? `${relDir}/${script}` : script);
      }
    }
  }
  if (!script.startsWith('/')) {
    out.push(script);
  }
  return Array.from(new Set(out.map(p => p.replace(/^\.\//, '').replace(/\/{2,}/g, '/'))));
}

/** A browsable URL for a commit when the repository is on a well-known forge. */
export function commitUrl(
  repositoryUrl: string | null | undefined,
  commit: string | null | undefined
): string | null {
  if (!repositoryUrl || !commit) {
    return null;
  }
  const match = /^(?:https?:\/\/|git@)(github\.com|gitlab\.com)[/:](.+?)(?:\.git)?\/?$/.exec(
    repositoryUrl
  );
  if (!match) {
    return null;
  }
  const [, host, path] = match;
  return host === 'gitlab.com'
    ? `https://${host}/${path}/-/commit/${commit}`
    : `https://${host}/${path}/commit/${commit}`;
}

/** A web page for a repository URL (https as is; GitHub/GitLab ssh forms rewritten), or null. */
export function repositoryWebUrl(repositoryUrl: string | null | undefined): string | null {
  if (!repositoryUrl) {
    return null;
  }
  if (/^https?:\/\//.test(repositoryUrl)) {
    return repositoryUrl.replace(/\.git\/?$/, '');
  }
  const ssh = /^git@(github\.com|gitlab\.com):(.+?)(?:\.git)?\/?$/.exec(repositoryUrl);
  return ssh ? `https://${ssh[1]}/${ssh[2]}` : null;
}
