// The dock's Classify (zero-shot): what the labels field asks for, and how a set's probabilities are shown.
import { parseLabelList } from '../../../core/contract/assistant';

/** The labels to send: none for an empty field (the model's modality and region sets), else the field's list. */
export function labelsOfField(field: string): { ok: true; labels: string[] | undefined } | { ok: false; reason: string } {
  if (field.trim() === '') return { ok: true, labels: undefined };
  const parsed = parseLabelList(field);
  return parsed.ok ? parsed : { ok: false, reason: `Labels: ${parsed.reason}.` };
}

/** A set's heading: the default sets by what they choose, the user's labels as such. */
export function setTitle(name: string): string {
  if (name === 'modality') return 'Modality';
  if (name === 'region') return 'Region';
  if (name === 'labels') return 'Your labels';
  return name;
}

/** A probability as the dock shows it (one decimal of a per cent: the sets have at most 16 labels). */
export const percent = (probability: number): string => `${(100 * probability).toFixed(1)} %`;

/** The model as the result names it: its folder name, with the version unless the name already ends with it. */
export const modelLabel = (model: string, version: string): string => (model.endsWith(version) ? model : `${model} ${version}`);
