import type { Api, Result } from '../../../core/contract/index';
import type { ImportError, Patient } from '../../../core/contract/dicom';

export type ImportPhase = 'idle' | 'running' | 'done' | 'cancelled' | 'failed';

const pollIntervalMs = 100;

/** One import at a time: its progress, the studies it found and the files it rejected. */
export class ImportState {
  phase = $state<ImportPhase>('idle');
  processed = $state(0);
  total = $state(0);
  /** Why the import as a whole failed or was refused, for the panel. */
  message = $state<string | null>(null);
  label = $state('');
  patients = $state.raw<Patient[]>([]);
  errors = $state.raw<ImportError[]>([]);
  fileCount = $state(0);

  readonly running = $derived(this.phase === 'running');

  private jobId: string | null = null;
  private generation = 0;

  constructor(
    private readonly api: Api,
    /** Called once per finished import with what it found. */
    private readonly onStudies: (patients: Patient[]) => void,
  ) {}

  async run(label: string, start: () => Promise<Result<{ jobId: string }>>): Promise<void> {
    if (this.jobId) await this.cancel();
    const generation = ++this.generation;
    this.phase = 'running';
    this.label = label;
    this.processed = 0;
    this.total = 0;
    this.message = null;
    this.errors = [];
    const started = await start();
    if (generation !== this.generation) return;
    if (!started.ok) {
      this.phase = 'failed';
      this.message = started.error.message;
      return;
    }
    this.jobId = started.value.jobId;
    await this.poll(started.value.jobId, generation);
  }

  async cancel(): Promise<void> {
    const jobId = this.jobId;
    if (!jobId) return;
    const result = await this.api['dicom.cancelImport']({ jobId });
    if (!result.ok) this.message = result.error.message;
  }

  private async poll(jobId: string, generation: number): Promise<void> {
    for (;;) {
      const status = await this.api['dicom.importStatus']({ jobId });
      if (generation !== this.generation) return;
      if (!status.ok) {
        this.finish('failed', status.error.message);
        return;
      }
      const { state, processed, total, result, message } = status.value;
      this.processed = processed;
      this.total = total;
      if (result) {
        this.errors = result.errors;
        this.fileCount = result.fileCount;
      }
      if (state !== 'running') {
        if (result) {
          this.patients = result.patients;
          this.onStudies(result.patients);
        }
        this.finish(state, message);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
    }
  }

  private finish(phase: Exclude<ImportPhase, 'idle' | 'running'>, message: string | null): void {
    this.phase = phase;
    this.message = message;
    this.jobId = null;
  }
}
