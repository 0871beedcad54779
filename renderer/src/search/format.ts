import type { JobState } from '../../../core/contract/jobs';
import type { EmbeddingModel, SearchHit, SearchIndexStatus, SearchIndexSummary } from '../../../core/contract/search';

/** The text to search for, or null when there is nothing to search (empty or only whitespace). */
export function searchTextOf(typed: string): string | null {
  const text = typed.trim();
  return text.length > 0 ? text : null;
}

/**
 * How a person names the model: "vesalius-vlm 0.3.0". A model folder is often named after its version
 * ("vesalius-vlm-0.3.0"); the version is then said once, not twice.
 */
export function modelLabel(model: EmbeddingModel): string {
  const suffix = `-${model.version}`;
  if (model.name.endsWith(suffix)) return `${model.name.slice(0, -suffix.length)} ${model.version}`;
  return model.name.includes(model.version) ? model.name : `${model.name} ${model.version}`;
}

const imagesWord = (count: number): string => `${count.toLocaleString('en-US')} image${count === 1 ? '' : 's'}`;

/** "412 of 980 images indexed with vesalius-vlm 0.3.0", with the failures; or why search cannot run. */
export function indexStatusText(status: SearchIndexStatus): string {
  if (!status.model) return status.problem ?? 'No model with image and text embeddings is installed.';
  const counts = `${status.indexed.toLocaleString('en-US')} of ${imagesWord(status.total)} indexed with ${modelLabel(status.model)}`;
  return status.failed > 0 ? `${counts} · ${imagesWord(status.failed)} could not be indexed` : counts;
}

/**
 * The index's counts while an indexing run is under way, following its jobs.progress (done of total): the run counts
 * every catalogued image, those already embedded or failed at its start as done at once, so the images done less
 * the failures known from the last status read are the ones with an embedding now. An image that fails during the
 * run counts as indexed here until the run ends and the status is read again. Before the run knows its size
 * (0 of 0), and when the status was read later than the event, the status stands.
 */
export function liveIndexStatus(status: SearchIndexStatus, progress: { done: number; total: number }): SearchIndexStatus {
  if (!status.model || progress.total === 0) return status;
  const indexed = Math.min(progress.total - status.failed, Math.max(status.indexed, progress.done - status.failed));
  return { ...status, indexed: Math.max(0, indexed), total: progress.total };
}

/** What to do when the model in use cannot embed (search uses the assistant's model folder). */
export const NO_EMBEDDING_MODEL_ADVICE =
  'Search uses the assistant’s model, and needs one with image and text embedding graphs (vesalius-vlm 0.3 or later, or the tiny test model): install one in the models folder and open the app again.';

/** Whether indexing would add something: images without an embedding of the current model (failed ones are not retried). */
export const indexIncomplete = (status: SearchIndexStatus): boolean =>
  status.model !== null && status.problem === null && status.indexed + status.failed < status.total;

/** A cosine similarity as shown beside a result: two decimals, the sign kept (−1…1). */
export const scoreText = (score: number): string => score.toFixed(2).replace('-', '−');

/** What to tell a person whose search found nothing to compare with, or null when the index has images. */
export function emptyIndexAdvice(status: SearchIndexStatus | null): string | null {
  if (!status || !status.model) return null;
  if (status.total === 0) return 'The catalog has no images yet: open a folder or the sample study, then index the archive.';
  if (status.indexed === 0) return 'No image is indexed yet: press “Index the archive” to compute the embeddings search needs.';
  return null;
}

/** How an indexing run ended, in one sentence: what it added, what was there, the first failure named. */
export function indexOutcomeText(state: Exclude<JobState, 'running'>, summary: SearchIndexSummary | null, message: string | null): string {
  if (state === 'cancelled') return 'Indexing cancelled; what was indexed is kept, and indexing again goes on from there.';
  if (state === 'done' && summary) {
    const { embedded, skipped, failed, failedCount } = summary;
    const firstFailure = failed[0] ? `, ${failedCount} failed, the first ${failed[0].filePath} frame ${failed[0].frame}: ${failed[0].reason}` : '';
    return `Indexed ${embedded} new image${embedded === 1 ? '' : 's'} (${skipped} already indexed${firstFailure}).`;
  }
  return `Indexing ${state}${message ? `: ${message}` : ''}`;
}

/** A result's accessible name: its rank, what it shows, which frame and how close. */
export const hitName = (hit: Pick<SearchHit, 'modality' | 'description' | 'frame' | 'score'>, rank: number): string =>
  `Result ${rank + 1}: ${hit.modality} ${hit.description || '(no description)'}, frame ${hit.frame}, score ${scoreText(hit.score)}`;
