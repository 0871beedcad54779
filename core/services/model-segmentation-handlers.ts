// The modelOutputs.* calls: the assistant's segmentation into the store, the annotator's draft of it, its score.
import type { modelOutputCalls } from '../contract/model-outputs';
import { err, ok } from '../contract/result';
import type { Emit } from '../transport/event-bus';
import type { DomainHandlers } from './context';
import { apiErrorOf, maskInfoOf, type MaskStore } from './mask-store';
import { draftProvenance, modelProvenance, modelSegmentationContent, modelSegmentationName, modelSlicesProblem } from './model-segmentation';
import { chooseTruth, scoreModelSegmentation } from './model-segmentation-score';

export interface ModelOutputHandlerDeps {
  masks: MaskStore;
  /** Who acts when a call names no author (the OS user name of the service). */
  defaultAuthor: string;
  /** store.changed after a segmentation is stored, so lists (the Segments panel, other windows) read again. */
  emit?: Emit;
}

export function createModelOutputHandlers(deps: ModelOutputHandlerDeps): DomainHandlers<typeof modelOutputCalls> {
  const { handle } = deps.masks;
  const changed = (seriesKey: string) => deps.emit?.('store.changed', { seriesKey });

  return {
    'modelOutputs.saveSegmentation': async (args) => {
      const call = 'modelOutputs.saveSegmentation';
      const problem = modelSlicesProblem(args.shape, args.slices);
      if (problem) return err('bad_input', `${call}: ${problem}`);
      const { content, voxels } = modelSegmentationContent(args.shape, args.prompt, args.slices);
      if (voxels === 0) {
        const where = args.slices.length === 1 ? `slice ${args.slices[0].z + 1}` : `any of the ${args.slices.length} slices`;
        return err('bad_input', `${call}: the model found no “${args.prompt}” on ${where}; no empty segmentation is stored`);
      }
      const created = handle.use((store) =>
        store.create({
          seriesKey: args.seriesKey,
          name: modelSegmentationName(args),
          provenance: modelProvenance(args, args.author ?? deps.defaultAuthor),
          content,
          ...(args.spacingMm ? { spacingMm: args.spacingMm } : {}),
          action: 'create',
          ...(args.complete ? {} : { note: `stopped after ${args.slices.length} of the series' slices` }),
        }),
      );
      if (!created.ok) return apiErrorOf(created.error);
      changed(args.seriesKey);
      return ok(maskInfoOf(created.value, created.value.head, false));
    },

    'modelOutputs.acceptDraft': async ({ maskSetId, name, author }) => {
      const by = author ?? deps.defaultAuthor;
      const loaded = handle.use((store) => store.load(maskSetId));
      if (!loaded.ok) return apiErrorOf(loaded.error);
      const { record, content } = loaded.value;
      if (record.deletedAt !== null) return err('not_found', `modelOutputs.acceptDraft: segmentation ${record.name} was deleted`);
      const provenance = draftProvenance(record, by);
      if (typeof provenance === 'string') return err('bad_input', `modelOutputs.acceptDraft: ${provenance}`);
      const created = handle.use((store) =>
        store.create({
          seriesKey: record.seriesKey,
          name: name ?? `Draft of ${record.name}`,
          provenance,
          content,
          spacingMm: record.spacingMm,
          action: 'create',
          note: `copied from ${record.id} v${record.head.number}`,
        }),
      );
      if (!created.ok) return apiErrorOf(created.error);
      changed(record.seriesKey);
      return ok(maskInfoOf(created.value, created.value.head, false));
    },

    'modelOutputs.score': async ({ predId }) => {
      const pred = deps.masks.load(predId);
      if (!pred.ok) return apiErrorOf(pred.error);
      const seriesKey = pred.value.info.seriesInstanceUid;
      const listed = seriesKey ? handle.use((store) => store.list(seriesKey)) : ({ ok: true, value: [] } as const);
      if (!listed.ok) return apiErrorOf(listed.error);
      const truthRecord = chooseTruth(listed.value.filter((r) => r.id !== predId));
      const none = { predId, truth: null, slices: [], iou: null, dice: null, truthVoxels: 0, predVoxels: 0 };
      if (!truthRecord) return ok(none);
      const truth = deps.masks.load(truthRecord.id);
      if (!truth.ok) return apiErrorOf(truth.error);
      const scored = scoreModelSegmentation(truth.value, pred.value);
      if (typeof scored === 'string') return err('bad_input', `modelOutputs.score: ${scored}`);
      const { truthSegments, ...scores } = scored;
      return ok({ predId, truth: { maskSetId: truthRecord.id, name: truthRecord.name, version: truthRecord.head.number, segments: truthSegments }, ...scores });
    },
  };
}
