import type { modelCalls } from '../contract/models';
import { ok } from '../contract/result';
import type { DomainHandlers } from './context';
import type { ModelChoice } from './model-choice';

/**
 * assistant.listModels and assistant.selectModel over the assistant's ModelChoice. `switched` runs after a change
 * of model folder was kept (the assistant stops the old folder's inference worker there), before the call answers.
 */
export function createModelChoiceHandlers(choice: ModelChoice, switched: (modelDir: string) => Promise<void>): DomainHandlers<typeof modelCalls> {
  return {
    'assistant.listModels': async () => ok(choice.list()),
    'assistant.selectModel': async ({ id }) => {
      const selected = choice.select(id);
      if (!selected.ok) return selected;
      const now = choice.current().model;
      if (now) await switched(now.entry.dir);
      return selected;
    },
  };
}
