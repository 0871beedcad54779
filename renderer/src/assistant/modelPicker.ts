// The dock's model picker (issue 13 item 2): one option per model folder of the registry, named "name version
// (bundled | your models)"; a folder with a problem is listed but cannot be picked, its problem as the tooltip.
import type { ModelEntry, ModelList, ModelSource } from '../../../core/contract/models';

export interface ModelOption {
  id: string;
  label: string;
  /** A folder with a problem: shown, not selectable. */
  disabled: boolean;
  /** The problem (the file and the reason), or where the folder is. */
  title: string;
}

/** How the picker names where a model comes from. */
export const SOURCE_LABEL: Record<ModelSource, string> = { bundled: 'bundled', user: 'your models', folder: 'given folder' };

/** A test fixture (random weights) is listed only when the app was started with it, and says what it is. */
export const modelLabel = (entry: Pick<ModelEntry, 'name' | 'version' | 'source' | 'testOnly'>): string =>
  `${entry.name}${entry.version ? ` ${entry.version}` : ''} (${SOURCE_LABEL[entry.source]}${entry.testOnly ? ', test model' : ''})`;

/** The picker's options in the registry's order (bundled first, then the user's). */
export function modelOptions(list: ModelList): ModelOption[] {
  return list.models.map((entry) => ({
    id: entry.id,
    label: modelLabel(entry),
    disabled: entry.problem !== null,
    title: entry.problem ?? entry.dir,
  }));
}
