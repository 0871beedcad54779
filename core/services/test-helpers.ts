// Shared by the service tests: follow a job to its end through the contract, as a page would.
import type { ImportJobStatus } from '../contract/dicom';
import { dispatch } from '../contract/dispatch';
import type { AppService } from './app-service';
import type { CallContext } from './context';

const testContext: CallContext = { transport: 'direct', caller: 'test' };

/** Asks jobs.status until the import job leaves `running`. */
export async function waitForJob(service: AppService, jobId: string): Promise<ImportJobStatus> {
  for (;;) {
    const status = await dispatch(service.handlers, 'jobs.status', { jobId }, testContext);
    if (!status.ok) throw new Error(status.error.message);
    const value = status.value as ImportJobStatus;
    if (value.state !== 'running') return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
