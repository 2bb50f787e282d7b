import { formatBytes, loadModelCode, relativeTime, safeFolderName } from '../format';
import { describeStep, pollJob } from '../jobs';
import { commitUrl, trainingScriptCandidates } from '../provenance';

describe('format', () => {
  const now = Date.parse('2024-05-10T12:00:00Z');
  it('relativeTime', () => {
    expect(relativeTime('2024-05-10T11:59:50Z', now)).toBe('just now');
    expect(relativeTime('2024-05-10T11:55:00Z', now)).toBe('5 minutes ago');
    expect(relativeTime('2024-05-07T12:00:00Z', now)).toBe('3 days ago');
    expect(relativeTime('2024-05-09T12:00:00Z', now)).toBe('yesterday');
    expect(relativeTime(null, now)).toBe('');
  });
  it('formatBytes and safeFolderName', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(safeFolderName(' churn model/β ', 3)).toBe('churn-model-v3');
  });
  it('loadModelCode uses the Python API', () => {
    const code = loadModelCode('mdl-1', 'churn', 2);
    expect(code).toContain('from model_catalog_ext import ModelCatalog');
    expect(code).toContain('ModelCatalog().get_model("mdl-1").load()');
  });
});

describe('provenance', () => {
  it('finds the training notebook relative to the server root', () => {
    const prov = { training_script: 'notebooks/train.ipynb', script_dir: '/home/u/repo/notebooks' };
    expect(trainingScriptCandidates(prov, '/home/u')).toEqual([
      'repo/notebooks/train.ipynb',
      'repo/notebooks/notebooks/train.ipynb',
      'notebooks/train.ipynb'
    ]);
    expect(trainingScriptCandidates({ training_script: null }, '/x')).toEqual([]);
  });
  it('links commits on known forges', () => {
    expect(commitUrl('https://github.com/o/r.git', 'abc')).toBe(
      'https://github.com/o/r/commit/abc'
    );
    expect(commitUrl('git@gitlab.com:o/r.git', 'abc')).toBe('https://gitlab.com/o/r/-/commit/abc');
    expect(commitUrl('https://example.com/r', 'abc')).toBeNull();
  });
});

describe('jobs', () => {
  it('polls until done and reports steps', async () => {
    const states = [
      { id: 'j', state: 'pending', model: null, error: null },
      { id: 'j', state: 'running', step: 'verifying', progress: 0.5, model: null, error: null },
      { id: 'j', state: 'succeeded', model: { id: 'm' }, error: null }
    ];
    const seen: string[] = [];
    const job = await pollJob(
      { job: async () => states.shift() as any },
      'j',
      j => seen.push(j.state),
      1
    );
    expect(job.state).toBe('succeeded');
    expect(seen).toEqual(['pending', 'running', 'succeeded']);
    expect(describeStep({ state: 'running', step: 'verifying', progress: 0.5 })).toBe(
      'testing the artifact in a clean process (50%)'
    );
  });
  it('gives up after repeated errors', async () => {
    await expect(
      pollJob({ job: async () => Promise.reject(new Error('down')) }, 'j', undefined, 1, 3)
    ).rejects.toThrow('down');
  });
});
