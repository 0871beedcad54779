import type { modelCalls } from '../contract/models';
import { ok } from '../contract/result';
import type { DomainHandlers } from './context';
import type { ModelChoice } from './model-choice';

/**
 * assistant.listModels and assistant.selectModel over the assistant's ModelChoice. `switched` runs when the model
 * folder in use changed (the assistant stops the old folder's inference worker there), before the call answers.
 */
export function createModelChoiceHandlers(choice: ModelChoice, switched: (modelDir: string) => Promise<void>): DomainHandlers<typeof modelCalls> {
  return {
    'assistant.listModels': async () => ok(choice.list()),
    'assistant.selectModel': async ({ id }) => {
      const before = choice.current().model?.entry.dir ?? null;
      const selected = choice.select(id);
      if (!selected.ok) return selected;
      const now = choice.current().model?.entry.dir ?? null;
      if (now !== null && now !== before) await switched(now);
      return selected;
    },
  };
}
