import type { Api } from '../../../core/contract/index';
import type { ModelList } from '../../../core/contract/models';
import { describeLoadError } from '../lib/errors';
import { modelOptions, type ModelOption } from './modelPicker';

/**
 * The dock's model picker: the registry's models (assistant.listModels) and a switch to another
 * (assistant.selectModel). After a switch `onSwitched` runs, so the dock's status and offers follow the new model.
 */
export class ModelPickerState {
  list = $state.raw<ModelList | null>(null);
  /** Why listing or switching failed, in words. */
  error = $state<string | null>(null);
  switching = $state(false);
  readonly options = $derived<ModelOption[]>(this.list ? modelOptions(this.list) : []);

  constructor(
    private readonly api: Api,
    private readonly onSwitched: () => Promise<void>,
  ) {}

  async refresh(): Promise<void> {
    try {
      const result = await this.api['assistant.listModels']({});
      if (result.ok) {
        this.list = result.value;
        this.error = null;
      } else {
        this.error = result.error.message;
      }
    } catch (e) {
      this.error = `assistant.listModels: ${describeLoadError(e)}`;
    }
  }

  async select(id: string): Promise<void> {
    if (this.switching || id === this.list?.selectedId) return;
    this.switching = true;
    try {
      const result = await this.api['assistant.selectModel']({ id });
      if (result.ok) {
        this.list = result.value;
        this.error = null;
        await this.onSwitched();
      } else {
        this.error = result.error.message;
        // The select shows the attempted entry until the list is drawn again with the one still in use.
        if (this.list) this.list = { ...this.list };
      }
    } catch (e) {
      this.error = `assistant.selectModel: ${describeLoadError(e)}`;
    } finally {
      this.switching = false;
    }
  }
}
