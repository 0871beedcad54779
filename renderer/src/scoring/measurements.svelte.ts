import type { Api } from '../../../core/contract/index';
import type { Measurement } from '../../../core/contract/measurements';
import type { MeasurementGeometry } from '../../../core/annotations/measurement';
import { measurementValue as measurementValueText } from '../../../core/report/document';
import type { HistoryOperation } from '../../../core/annotations/edit/history';
import { measurementAddOperation, measurementDeleteOperation, measurementMoveOperation, type MeasurementCallbacks } from '../../../core/annotations/edit/operations';
import type { MeasurementChange, MeasurementToShow } from '../lib/cornerstone/stackController';
import { formatStat, roiStatsOnImage } from '../lib/cornerstone/measurementTools';
import type { OpenSeries, ViewerState } from '../state/viewer.svelte';
import type { SaveQueue } from './saveQueue.svelte';

/** Waits this long after the last move of a handle before saving the new geometry. */
const MODIFY_SAVE_DELAY_MS = 400;

const kindName: Record<MeasurementGeometry['kind'], string> = { length: 'Length', angle: 'Angle', ellipse: 'Ellipse', rectangle: 'Rectangle' };

/** One line of the measurement list: what it is and its value(s) in words. */
export interface MeasurementLine {
  id: string;
  kind: string;
  value: string;
  slice: number | null;
}

/** The value of a measurement as the list shows it (the report's wording), with ROI statistics when its image is loaded. */
export function measurementValue(geometry: MeasurementGeometry, imageId: string | null): string {
  const value = measurementValueText(geometry);
  if ((geometry.kind !== 'ellipse' && geometry.kind !== 'rectangle') || !imageId) return value;
  const stats = roiStatsOnImage(imageId, geometry);
  if (!stats.ok) return value;
  const unit = stats.unit ? ` ${stats.unit}` : '';
  const { mean, stdDev, min, max } = stats.stats;
  return `${value} · mean ${formatStat(mean)}${unit} · SD ${formatStat(stdDev)} · min ${formatStat(min)} · max ${formatStat(max)}`;
}

/** Puts an applied edit into the series' history (the segmentation state's: one undo/redo for the series). */
export type RecordEdit = (seriesKey: string, operation: HistoryOperation) => void;

/**
 * The open series' measurements (length, angle, ellipse and rectangle ROIs): listed from the store and
 * drawn when the series opens, saved when a cornerstone measurement tool completes, moves or removes one,
 * deleted from the list. Each add, move and delete is an operation of the series' undo history.
 */
export class MeasurementState {
  items = $state.raw<Measurement[]>([]);
  error = $state<string | null>(null);
  /** Bumped when images load, so ROI statistics of measurements on them are computed. */
  private statsTick = $state(0);
  private open: OpenSeries | null = null;
  /** A measurement drawn this session keeps cornerstone's UID; this maps it to its stored id. */
  private readonly storedIdOf = new Map<string, string>();
  private readonly modifyTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly creating = new Map<string, Promise<string>>();

  constructor(
    private readonly api: Api,
    private readonly viewer: ViewerState,
    private readonly saves: SaveQueue,
    private readonly recordEdit: RecordEdit = () => {},
  ) {
    viewer.onMeasurementChange((change) => this.onChange(change));
  }

  /** How undo and redo put a measurement back or take it away: in the store, the list and on the image. */
  private callbacksFor(open: OpenSeries): MeasurementCallbacks<Measurement> {
    return {
      save: (m) => {
        this.takeOffImage(m.id);
        const imageId = this.imageIdOf(m);
        if (this.open === open && imageId) this.viewer.showMeasurements(open, [{ annotationUID: m.id, imageId, geometry: m.geometry }]);
        if (this.open === open) this.items = [...this.items.filter((i) => i.id !== m.id), m];
        void this.saves.save(`putting back a ${kindName[m.geometry.kind].toLowerCase()} measurement`, () =>
          this.api['measurements.save']({ id: m.id, seriesKey: m.seriesKey, geometry: m.geometry, image: m.image, restore: true }),
        );
      },
      remove: (m) => {
        this.takeOffImage(m.id);
        if (this.open === open) this.items = this.items.filter((i) => i.id !== m.id);
        void this.saves.save(`taking away a ${kindName[m.geometry.kind].toLowerCase()} measurement`, () => this.api['measurements.delete']({ id: m.id }));
      },
    };
  }

  /** Removes every annotation drawing a stored measurement (its own id, or the UID cornerstone gave it this session). */
  private takeOffImage(id: string): void {
    this.viewer.removeMeasurements([id, ...[...this.storedIdOf].filter(([, stored]) => stored === id).map(([uid]) => uid)]);
  }

  readonly lines = $derived.by((): MeasurementLine[] => {
    void this.statsTick;
    void this.viewer.snapshot.renderedAt;
    return this.items.map((m) => ({ id: m.id, kind: kindName[m.geometry.kind], value: measurementValue(m.geometry, this.imageIdOf(m)), slice: m.image.sliceIndex }));
  });

  private imageIdOf(m: Measurement): string | null {
    const open = this.open;
    if (!open) return null;
    const frame = open.frames.find((f) => f.instance.sopInstanceUid === m.image.sopInstanceUid && (f.frame ?? 1) === m.image.frame) ?? (m.image.sliceIndex !== null ? open.frames[m.image.sliceIndex] : undefined);
    return frame?.imageId ?? null;
  }

  async showSeries(open: OpenSeries | null): Promise<void> {
    this.open = open;
    this.items = [];
    this.error = null;
    if (!open) return;
    const listed = await this.api['measurements.list']({ seriesKey: open.series.seriesInstanceUid });
    if (this.open !== open) return;
    if (!listed.ok) {
      this.error = listed.error.message;
      return;
    }
    this.items = listed.value.measurements;
    const drawnThisSession = new Set([...this.storedIdOf].filter(([uid]) => this.viewer.hasMeasurement(uid)).map(([, id]) => id));
    const toShow: MeasurementToShow[] = [];
    for (const m of listed.value.measurements) {
      if (drawnThisSession.has(m.id)) continue;
      const imageId = this.imageIdOf(m);
      if (imageId) toShow.push({ annotationUID: m.id, imageId, geometry: m.geometry });
    }
    this.viewer.showMeasurements(open, toShow);
  }

  /** Deletes a measurement from the store and the viewport (undoable). */
  async delete(id: string): Promise<void> {
    const open = this.open;
    const measurement = this.items.find((m) => m.id === id);
    if (!open || !measurement) return;
    this.takeOffImage(id);
    this.items = this.items.filter((m) => m.id !== id);
    await this.saves.save('deleting a measurement', () => this.api['measurements.delete']({ id }));
    this.recordEdit(open.series.seriesInstanceUid, measurementDeleteOperation(measurement, this.callbacksFor(open), `delete ${kindName[measurement.geometry.kind].toLowerCase()}`));
  }

  private onChange(change: MeasurementChange): void {
    const open = this.open;
    if (!open) return;
    const uid = change.annotationUID;
    if (change.change === 'modified') {
      // A new measurement is still being drawn until 'completed': only stored ones are saved as edits.
      if (!uid.startsWith('meas-') && !this.storedIdOf.has(uid) && !this.creating.has(uid)) return;
      // A drag sends a modification per mouse move: save once it rests.
      clearTimeout(this.modifyTimers.get(uid));
      this.modifyTimers.set(uid, setTimeout(() => void this.save(open, change), MODIFY_SAVE_DELAY_MS));
    } else if (change.change === 'completed') {
      clearTimeout(this.modifyTimers.get(uid));
      this.statsTick++;
      void this.save(open, change);
    } else void this.remove(uid);
  }

  private async idFor(uid: string): Promise<string | null> {
    if (uid.startsWith('meas-')) return uid;
    return this.storedIdOf.get(uid) ?? (await this.creating.get(uid)) ?? null;
  }

  private async save(open: OpenSeries, change: MeasurementChange): Promise<void> {
    const sliceIndex = open.frames.findIndex((f) => f.imageId === change.imageId);
    const frame = open.frames[sliceIndex];
    if (!frame) return;
    const image = { sopInstanceUid: frame.instance.sopInstanceUid, frame: frame.frame ?? 1, sliceIndex };
    const seriesKey = open.series.seriesInstanceUid;
    const existing = await this.idFor(change.annotationUID);
    const before = existing ? this.items.find((m) => m.id === existing) : undefined;
    const what = `${existing ? 'an edit of a' : 'a new'} ${kindName[change.geometry.kind].toLowerCase()} measurement`;
    const saved = this.saves.save(what, () => this.api['measurements.save']({ ...(existing ? { id: existing } : {}), seriesKey, geometry: change.geometry, image }));
    if (!existing) this.creating.set(change.annotationUID, saved.then((m) => m.id));
    const measurement = await saved;
    if (!change.annotationUID.startsWith('meas-')) this.storedIdOf.set(change.annotationUID, measurement.id);
    this.creating.delete(change.annotationUID);
    if (this.open === open) this.items = [...this.items.filter((m) => m.id !== measurement.id), measurement];
    const name = kindName[measurement.geometry.kind].toLowerCase();
    const callbacks = this.callbacksFor(open);
    this.recordEdit(
      seriesKey,
      before ? measurementMoveOperation(before, measurement, callbacks, `move ${name}`) : measurementAddOperation(measurement, callbacks, `draw ${name}`),
    );
  }

  /** cornerstone removed an annotation (its Delete key): the stored measurement goes too (undoable). */
  private async remove(uid: string): Promise<void> {
    const open = this.open;
    const id = await this.idFor(uid);
    const measurement = id ? this.items.find((m) => m.id === id) : undefined;
    if (!open || !id || !measurement) return;
    this.items = this.items.filter((m) => m.id !== id);
    await this.saves.save('deleting a measurement', () => this.api['measurements.delete']({ id }));
    this.recordEdit(open.series.seriesInstanceUid, measurementDeleteOperation(measurement, this.callbacksFor(open), `delete ${kindName[measurement.geometry.kind].toLowerCase()}`));
  }
}
