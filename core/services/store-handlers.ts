// The annotation store's calls besides opening and scoring: versions, restore, rename, delete, ground truth, measurements.
import type { maskCalls } from '../contract/masks';
import type { measurementCalls } from '../contract/measurements';
import { withEmptyMasks } from '../annotations/model';
import { ok } from '../contract/result';
import type { Emit } from '../transport/event-bus';
import type { DomainHandlers } from './context';
import { apiErrorOf, maskInfoOf, type MaskStore } from './mask-store';

/** The mask calls answered here; mask-handlers answers the rest (open, list, data, score, datasets). */
export type StoredMaskCallName =
  | 'masks.versions'
  | 'masks.openVersion'
  | 'masks.restore'
  | 'masks.rename'
  | 'masks.delete'
  | 'masks.markGroundTruth'
  | 'masks.create'
  | 'masks.saveSlices';
type StoreCalls = Pick<typeof maskCalls, StoredMaskCallName> & typeof measurementCalls;

export interface StoreHandlerDeps {
  masks: MaskStore;
  /** Who acts when a call names no author (the OS user name of the service). */
  defaultAuthor: string;
  /** store.changed after every committed change, so other windows list again. */
  emit?: Emit;
}

export function createStoreHandlers(deps: StoreHandlerDeps): DomainHandlers<StoreCalls> {
  const { handle } = deps.masks;
  const changed = (seriesKey: string) => deps.emit?.('store.changed', { seriesKey });

  return {
    'masks.versions': async ({ maskSetId }) => {
      const versions = handle.use((store) => store.versions(maskSetId));
      if (!versions.ok) return apiErrorOf(versions.error);
      return ok({ versions: versions.value.map((v) => ({ ...v, voxelCounts: Object.fromEntries(Object.entries(v.voxelCounts)) })) });
    },

    'masks.openVersion': async ({ maskSetId, version }) => {
      const loaded = deps.masks.load(maskSetId, version);
      return loaded.ok ? ok(loaded.value.info) : apiErrorOf(loaded.error);
    },

    'masks.restore': async ({ maskSetId, version, expectedHead, author }) => {
      const restored = handle.use((store) => store.restore(maskSetId, version, { expectedHead, author: author ?? deps.defaultAuthor }));
      if (!restored.ok) return apiErrorOf(restored.error);
      changed(restored.value.seriesKey);
      return ok(maskInfoOf(restored.value, restored.value.head, false));
    },

    'masks.rename': async ({ maskSetId, name, author }) => {
      const renamed = handle.use((store) => store.rename(maskSetId, name, author ?? deps.defaultAuthor));
      if (!renamed.ok) return apiErrorOf(renamed.error);
      changed(renamed.value.seriesKey);
      return ok(maskInfoOf(renamed.value, renamed.value.head, false));
    },

    'masks.delete': async ({ maskSetId, author }) => {
      const deleted = handle.use((store) => store.delete(maskSetId, author ?? deps.defaultAuthor));
      if (!deleted.ok) return apiErrorOf(deleted.error);
      changed(deleted.value.seriesKey);
      return ok({ deleted: true as const });
    },

    'masks.markGroundTruth': async ({ maskSetId, author }) => {
      const marked = handle.use((store) => store.markGroundTruth(maskSetId, author ?? deps.defaultAuthor));
      if (!marked.ok) return apiErrorOf(marked.error);
      changed(marked.value.seriesKey);
      return ok(maskInfoOf(marked.value, marked.value.head, false));
    },

    'masks.create': async ({ seriesKey, name, shape, spacingMm, segments, role, author }) => {
      const by = author ?? deps.defaultAuthor;
      const created = handle.use((store) =>
        store.create({ seriesKey, name, provenance: { role, author: by, origin: { kind: 'drawn' } }, content: withEmptyMasks({ shape, segments, masks: new Map() }), ...(spacingMm ? { spacingMm } : {}) }),
      );
      if (!created.ok) return apiErrorOf(created.error);
      changed(seriesKey);
      return ok(maskInfoOf(created.value, created.value.head, false));
    },

    'masks.saveSlices': async ({ maskSetId, expectedHead, edits, segments, note, author }) => {
      const saved = handle.use((store) => store.saveEdits(maskSetId, edits, { expectedHead, author: author ?? deps.defaultAuthor, ...(note ? { note } : {}), ...(segments ? { segments } : {}) }));
      if (!saved.ok) return apiErrorOf(saved.error);
      changed(saved.value.seriesKey);
      return ok(maskInfoOf(saved.value, saved.value.head, false));
    },

    'measurements.list': async ({ seriesKey }) => {
      const listed = handle.use((store) => store.listMeasurements(seriesKey));
      return listed.ok ? ok({ measurements: listed.value }) : apiErrorOf(listed.error);
    },

    'measurements.save': async ({ id, seriesKey, geometry, image, label, restore, author }) => {
      const saved = handle.use((store) => store.saveMeasurement({ id, seriesKey, geometry, image, label, restore, author: author ?? deps.defaultAuthor }));
      if (!saved.ok) return apiErrorOf(saved.error);
      changed(seriesKey);
      return ok(saved.value);
    },

    'measurements.delete': async ({ id, author }) => {
      let seriesKey: string | null = null;
      const deleted = handle.use((store) => {
        const result = store.deleteMeasurement(id, author ?? deps.defaultAuthor);
        if (result.ok) seriesKey = result.value;
        return result;
      });
      if (!deleted.ok) return apiErrorOf(deleted.error);
      if (seriesKey) changed(seriesKey);
      return ok({ deleted: true as const });
    },
  };
}
