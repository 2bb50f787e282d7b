import { IJob } from './api';

/** What job polling needs from the REST client. */
export interface IJobSource {
  job(jobId: string): Promise<IJob>;
}

/** Human words for the server's job steps. */
export function describeStep(job: Pick<IJob, 'state' | 'step' | 'progress'>): string {
  const step = job.step || job.state;
  const words: Record<string, string> = {
    pending: 'waiting to start',
    running: 'working',
    preparing: 'preparing the artifact',
    verifying: 'testing the artifact in a clean process',
    saving: 'uploading to the catalog',
    converting: 'converting to ONNX'
  };
  const text = words[step] ?? step.replace(/_/g, ' ');
  const progress = job.progress;
  return typeof progress === 'number' && progress > 0 && progress < 1
    ? `${text} (${Math.round(progress * 100)}%)`
    : text;
}

/**
 * Poll a save job until it succeeds or fails, reporting each state seen. Resolves with the
 * final job (failed ones too: their `error` says why). Rejects only when the server stops
 * answering `maxErrors` times in a row.
 */
export async function pollJob(
  source: IJobSource,
  jobId: string,
  onUpdate: (job: IJob) => void = () => undefined,
  intervalMs = 500,
  maxErrors = 5
): Promise<IJob> {
  let errors = 0;
  for (;;) {
    try {
      const job = await source.job(jobId);
      errors = 0;
      onUpdate(job);
      if (job.state === 'succeeded' || job.state === 'failed') {
        return job;
      }
    } catch (error) {
      errors++;
      if (errors >= maxErrors) {
        throw error;
      }
    }
    await new Promise(resolve => setTimeout(resolve, intervalMs));
  }
}
