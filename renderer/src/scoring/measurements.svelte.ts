import type { Api } from '../../../core/contract/index';
import type { Measurement } from '../../../core/contract/measurements';
import { lengthMm } from '../../../core/annotations/measurement';
import type { LengthChange, LengthToShow } from '../lib/cornerstone/stackController';
import type { OpenSeries, ViewerState } from '../state/viewer.svelte';
import type { SaveQueue } from './saveQueue.svelte';

type Point = [number, number, number];

/** Waits this long after the last move of a handle before saving the new geometry. */
const MODIFY_SAVE_DELAY_MS = 400;

/**
 * The open series' length measurements: listed from the store and drawn when the series opens,
 * saved when the cornerstone Length tool completes, moves or removes one.
 */
export class MeasurementState {
  items = $state.raw<Measurement[]>([]);
  error = $state<string | null>(null);
  private open: OpenSeries | null = null;
  /** A length drawn this session keeps cornerstone's UID; this maps it to its stored id. */
  private readonly storedIdOf = new Map<string, string>();
  private readonly modifyTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly creating = new Map<string, Promise<string>>();

  constructor(
    private readonly api: Api,
    private readonly viewer: ViewerState,
    private readonly saves: SaveQueue,
  ) {
    viewer.onLengthChange((change) => this.onChange(change));
  }

  readonly lengthsMm = $derived(this.items.map((m) => ({ id: m.id, mm: m.geometry.kind === 'length' ? lengthMm(m.geometry) : null, slice: m.image.sliceIndex })));

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
    const drawnThisSession = new Set([...this.storedIdOf].filter(([uid]) => this.viewer.hasLength(uid)).map(([, id]) => id));
    const lengths: LengthToShow[] = [];
    for (const m of listed.value.measurements) {
      if (m.geometry.kind !== 'length' || drawnThisSession.has(m.id)) continue;
      const frame = open.frames.find((f) => f.instance.sopInstanceUid === m.image.sopInstanceUid && (f.frame ?? 1) === m.image.frame) ?? (m.image.sliceIndex !== null ? open.frames[m.image.sliceIndex] : undefined);
      if (frame) lengths.push({ annotationUID: m.id, imageId: frame.imageId, pointsWorld: m.geometry.pointsMm });
    }
    this.viewer.showLengths(open, lengths);
  }

  private onChange(change: LengthChange): void {
    const open = this.open;
    if (!open) return;
    const uid = change.annotationUID;
    if (change.kind === 'modified') {
      // A new line is still being drawn until 'completed': only stored lines are saved as edits.
      if (!uid.startsWith('meas-') && !this.storedIdOf.has(uid) && !this.creating.has(uid)) return;
      // A drag sends a modification per mouse move: save once it rests.
      clearTimeout(this.modifyTimers.get(change.annotationUID));
      this.modifyTimers.set(change.annotationUID, setTimeout(() => void this.save(open, change), MODIFY_SAVE_DELAY_MS));
    } else if (change.kind === 'completed') {
      clearTimeout(this.modifyTimers.get(uid));
      void this.save(open, change);
    }
    else void this.remove(change.annotationUID);
  }

  private async idFor(uid: string): Promise<string | null> {
    if (uid.startsWith('meas-')) return uid;
    return this.storedIdOf.get(uid) ?? (await this.creating.get(uid)) ?? null;
  }

  private async save(open: OpenSeries, change: LengthChange): Promise<void> {
    const sliceIndex = open.frames.findIndex((f) => f.imageId === change.imageId);
    const frame = open.frames[sliceIndex];
    if (!frame) return;
    const geometry = { kind: 'length' as const, pointsMm: [[...change.pointsWorld[0]] as Point, [...change.pointsWorld[1]] as Point] as [Point, Point] };
    const image = { sopInstanceUid: frame.instance.sopInstanceUid, frame: frame.frame ?? 1, sliceIndex };
    const seriesKey = open.series.seriesInstanceUid;
    const existing = await this.idFor(change.annotationUID);
    const saved = this.saves.save(existing ? 'a length measurement edit' : 'a new length measurement', () =>
      this.api['measurements.save']({ ...(existing ? { id: existing } : {}), seriesKey, geometry, image }),
    );
    if (!existing) this.creating.set(change.annotationUID, saved.then((m) => m.id));
    const measurement = await saved;
    if (!change.annotationUID.startsWith('meas-')) this.storedIdOf.set(change.annotationUID, measurement.id);
    this.creating.delete(change.annotationUID);
    if (this.open === open) this.items = [...this.items.filter((m) => m.id !== measurement.id), measurement];
  }

  private async remove(uid: string): Promise<void> {
    const id = await this.idFor(uid);
    if (!id) return;
    await this.saves.save('deleting a length measurement', () => this.api['measurements.delete']({ id }));
    this.items = this.items.filter((m) => m.id !== id);
  }
}
