import type { Api } from '../../../core/contract/index';
import type { Role } from '../../../core/annotations/model';
import type { DatasetScore, MaskOpenError, MaskScore, MaskSetInfo, MaskVersion } from '../../../core/contract/masks';
import type { EmptyRule } from '../../../core/metrics/types';
import { followJob } from '../lib/jobs';
import { sortCases, nextSort, type DatasetSort, type DatasetSortKey } from './datasetSort';
import { allocateMask, placeChunk, slicesPerChunk, type MaskVolume } from './maskVolume';
import { labelCounts } from './labelMasks';
import { neededVolumes } from './volumeNeeds';
import type { SaveQueue } from './saveQueue.svelte';

export type OverlayMode = 'labels' | 'agreement';

export interface MaskDisplay {
  visible: boolean;
  opacity: number;
}

/**
 * The stored segmentations of the current series (annotation store: provenance, versions, ground
 * truth), how each is shown, and the scores of a truth/prediction pair and of a dataset. Volumes
 * live in $state.raw: they are replaced whole, never mutated.
 */
export class ScoringState {
  seriesUid = $state<string | null>(null);
  maskSets = $state.raw<MaskSetInfo[]>([]);
  display = $state<Record<string, MaskDisplay>>({});
  volumes = $state.raw<ReadonlyMap<string, MaskVolume>>(new Map());
  /**
   * Segments that overlap others, read whole (0/1 per voxel) per segmentation: in the label map a shared
   * voxel carries one label only. Set together with the volume it completes.
   */
  wholeSegments = $state.raw<ReadonlyMap<string, ReadonlyMap<number, Uint8Array>>>(new Map());
  /** Why a mask cannot be drawn on the viewport (wrong size, images not loaded), or null. */
  drawProblem = $state<string | null>(null);
  openErrors = $state.raw<MaskOpenError[]>([]);
  /** A failure that is not about one file (the host unreachable, a score refused). */
  error = $state<string | null>(null);
  opening = $state(false);
  /** The role masks opened from files get (their provenance). */
  openRole = $state<Role>('annotator');
  /** Versions listed per segmentation (when its versions list is open). */
  versions = $state.raw<Record<string, MaskVersion[]>>({});
  /** An older version shown read-only instead of the head, per segmentation. */
  viewing = $state<Record<string, number>>({});
  /** Which version each loaded volume holds. */
  private readonly volumeVersion = new Map<string, number>();
  /** The load in flight per segmentation and the version it reads: every store.changed asks again, and each load holds a whole label map. */
  private readonly loading = new Map<string, { version: number; done: Promise<void> }>();
  /** Whether the Masks & Scoring panel is open: label maps are held only while it is (volumeNeeds.ts). */
  private panelOpen = false;
  /** The segmentation the Segments editor has open: it draws that one from its own masks. */
  private editingId: string | null = null;
  /** The segmentations whose label maps are loaded or being loaded now (the list's "loading…"). */
  needed = $state.raw<ReadonlySet<string>>(new Set());

  truthId = $state<string | null>(null);
  predId = $state<string | null>(null);
  emptyRule = $state<EmptyRule>('one');
  score = $state.raw<MaskScore | null>(null);
  scoring = $state(false);
  overlayMode = $state<OverlayMode>('labels');

  dataset = $state.raw<DatasetScore | null>(null);
  /** The folders `dataset` was scored from (its export scores them again). */
  datasetFolders = $state.raw<{ truthDir: string; predDir: string } | null>(null);
  datasetError = $state<string | null>(null);
  datasetBusy = $state(false);
  datasetProgress = $state<{ done: number; total: number } | null>(null);
  private datasetJobId: string | null = null;
  datasetSort = $state<DatasetSort>({ key: 'name', ascending: true });
  readonly sortedCases = $derived(this.dataset ? sortCases(this.dataset.cases, this.datasetSort) : []);

  /** The score shown only while it still belongs to the chosen pair. */
  readonly currentScore = $derived(
    this.score && this.score.truthId === this.truthId && this.score.predId === this.predId && this.score.emptyRule === this.emptyRule
      ? this.score
      : null,
  );

  constructor(
    private readonly api: Api,
    /** Every change to the store goes through it: the save indicator, retries, nothing acknowledged early. */
    readonly saves: SaveQueue,
  ) {
    // Another window, the CLI or this one saved: list again.
    api.on('store.changed', ({ seriesKey }) => {
      if (seriesKey === this.seriesUid) void this.refresh();
    });
  }

  /** The info shown for a segmentation: its head, or the older version being viewed. */
  shownVersion(info: MaskSetInfo): number {
    return this.viewing[info.maskSetId] ?? info.headVersion;
  }

  /** Lists the series' stored segmentations again; reloads the voxels of any whose head moved. */
  async refresh(): Promise<void> {
    const seriesUid = this.seriesUid;
    if (!seriesUid) return;
    const listed = await this.api['masks.list']({ seriesKey: seriesUid });
    if (this.seriesUid !== seriesUid) return;
    if (!listed.ok) {
      this.error = listed.error.message;
      return;
    }
    this.maskSets = listed.value.maskSets;
    if (this.truthId && !this.maskSets.some((m) => m.maskSetId === this.truthId)) this.truthId = null;
    if (this.predId && !this.maskSets.some((m) => m.maskSetId === this.predId)) this.predId = null;
    for (const id of Object.keys(this.versions)) void this.showVersions(id);
    await this.syncVolumes();
  }

  /** The Masks & Scoring panel opened or closed: its overlays' label maps are loaded, or let go. */
  setPanelOpen(open: boolean): Promise<void> {
    this.panelOpen = open;
    return this.syncVolumes();
  }

  /** The Segments editor opened another segmentation (or none). */
  setEditing(maskSetId: string | null): Promise<void> {
    this.editingId = maskSetId;
    return this.syncVolumes();
  }

  /** Lets go of the label maps no longer needed (a load in flight stops after its chunk) and loads those that are. */
  private syncVolumes(): Promise<void> {
    const needed = neededVolumes({ panelOpen: this.panelOpen, maskSetIds: this.maskSets.map((m) => m.maskSetId), editingId: this.editingId, pair: { truthId: this.truthId, predId: this.predId } });
    this.needed = needed;
    const kept = (map: ReadonlyMap<string, unknown>): boolean => [...map.keys()].every((id) => needed.has(id));
    if (!kept(this.volumes) || !kept(this.wholeSegments)) {
      this.volumes = new Map([...this.volumes].filter(([id]) => needed.has(id)));
      this.wholeSegments = new Map([...this.wholeSegments].filter(([id]) => needed.has(id)));
    }
    for (const id of [...this.volumeVersion.keys()]) if (!needed.has(id)) this.volumeVersion.delete(id);
    for (const id of [...this.loading.keys()]) if (!needed.has(id)) this.loading.delete(id);
    return Promise.all(this.maskSets.filter((m) => needed.has(m.maskSetId)).map((m) => this.loadVolume(m))).then(() => undefined);
  }

  /** Switches to a series: lists its stored segmentations. */
  async showSeries(seriesUid: string | null): Promise<void> {
    if (seriesUid === this.seriesUid) return;
    this.seriesUid = seriesUid;
    this.maskSets = [];
    this.truthId = null;
    this.predId = null;
    this.score = null;
    this.openErrors = [];
    this.error = null;
    this.versions = {};
    this.viewing = {};
    await this.refresh();
  }

  async open(paths: string[]): Promise<void> {
    const seriesUid = this.seriesUid;
    if (!seriesUid) {
      this.error = 'Open a series first: masks are shown on the series they belong to.';
      return;
    }
    this.opening = true;
    this.error = null;
    try {
      // Typed or picked in the path field: the user chose these, so Vesalius may read them.
      const granted = await this.api['catalog.grantPaths']({ paths, how: 'path-field' });
      if (!granted.ok) {
        this.error = granted.error.message;
        return;
      }
      const opened = await this.api['masks.open']({ paths, seriesInstanceUid: seriesUid, role: this.openRole });
      if (!opened.ok) {
        this.error = opened.error.message;
        return;
      }
      this.openErrors = opened.value.errors;
      const mine = opened.value.opened.filter((m) => m.seriesInstanceUid === seriesUid);
      if (this.seriesUid !== seriesUid) return;
      // A file opened again answers its earlier segmentation: replace, never list it twice.
      const ids = new Set(mine.map((m) => m.maskSetId));
      this.maskSets = [...this.maskSets.filter((m) => !ids.has(m.maskSetId)), ...mine];
      // The first two opened become truth and prediction, the usual order (expert file, then model).
      for (const m of mine) {
        if (!this.truthId) this.truthId = m.maskSetId;
        else if (!this.predId && m.maskSetId !== this.truthId) this.predId = m.maskSetId;
      }
      // The list is the store's list of the series (segmentations drawn here included), not "what this page
      // opened": without this, a drawn segmentation was listed or not depending on whether a store.changed
      // event had arrived before the open (seen as a 2-vs-3 flake in seg-tools.spec).
      await this.refresh();
      await this.scoreIfReady();
    } finally {
      this.opening = false;
    }
  }

  /** Fetches a mask's labels (of the version shown) slice range by slice range, so no single answer is huge. */
  private loadVolume(info: MaskSetInfo): Promise<void> {
    this.display[info.maskSetId] ??= { visible: true, opacity: 0.5 };
    if (!this.needed.has(info.maskSetId)) return Promise.resolve();
    const version = this.shownVersion(info);
    if (this.volumes.has(info.maskSetId) && this.volumeVersion.get(info.maskSetId) === version) return Promise.resolve();
    const inFlight = this.loading.get(info.maskSetId);
    if (inFlight?.version === version) return inFlight.done;
    const done = this.readVolume(info, version).finally(() => {
      if (this.loading.get(info.maskSetId)?.done === done) this.loading.delete(info.maskSetId);
    });
    this.loading.set(info.maskSetId, { version, done });
    return done;
  }

  private async readVolume(info: MaskSetInfo, version: number): Promise<void> {
    const [width, height, depth] = info.shape;
    let data: MaskVolume['data'] | null = null;
    let step = slicesPerChunk(info.shape, 4);
    for (let zStart = 0; zStart < depth; zStart += step) {
      const chunk = await this.api['masks.data']({ maskSetId: info.maskSetId, version, zStart, zCount: step });
      // A newer version is being read instead: let this label map go now rather than after its last chunk.
      if (this.loading.get(info.maskSetId)?.version !== version) return;
      if (!chunk.ok) {
        this.error = `${info.name}: ${chunk.error.message}`;
        return;
      }
      data ??= allocateMask(chunk.value.dtype, width * height * depth);
      placeChunk(data, chunk.value);
      step = chunk.value.zCount;
    }
    if (!data || this.shownVersion(info) !== version || !this.needed.has(info.maskSetId)) return;
    const volume: MaskVolume = { shape: info.shape, data };
    const whole = await this.readOverlappedSegments(info, version, volume);
    if (!whole || this.shownVersion(info) !== version || !this.needed.has(info.maskSetId)) return;
    const nextWhole = new Map(this.wholeSegments);
    nextWhole.set(info.maskSetId, whole);
    const next = new Map(this.volumes);
    next.set(info.maskSetId, volume);
    this.volumeVersion.set(info.maskSetId, version);
    this.wholeSegments = nextWhole;
    this.volumes = next;
  }

  /**
   * The segments the label map cut short (their voxel count in it is below the store's), each read on its
   * own so overlapping segments are drawn whole; null when a read failed (the error is set). The store's
   * counts describe the version `info` lists, so an older version is shown as its label map.
   */
  private async readOverlappedSegments(info: MaskSetInfo, version: number, volume: MaskVolume): Promise<Map<number, Uint8Array> | null> {
    const whole = new Map<number, Uint8Array>();
    if (version !== info.version) return whole;
    const counts = labelCounts(volume);
    const [width, height, depth] = info.shape;
    for (const label of info.labels) {
      if ((counts.get(label.value) ?? 0) >= label.voxelCount) continue;
      const mask = new Uint8Array(width * height * depth);
      let step = slicesPerChunk(info.shape, 1);
      for (let zStart = 0; zStart < depth; zStart += step) {
        const chunk = await this.api['masks.data']({ maskSetId: info.maskSetId, version, zStart, zCount: Math.min(step, depth - zStart), segment: label.value });
        if (!chunk.ok) {
          this.error = `${info.name}, segment ${label.name ?? label.value}: ${chunk.error.message}`;
          return null;
        }
        mask.set(chunk.value.labels, zStart * width * height);
        step = chunk.value.zCount;
      }
      whole.set(label.value, mask);
    }
    return whole;
  }

  /** Marks a segmentation the ground truth of its series and labels (audited in the store). */
  async markGroundTruth(maskSetId: string): Promise<void> {
    const marked = await this.saves.save('marking the ground truth', () => this.api['masks.markGroundTruth']({ maskSetId }));
    this.replaceInfo(marked);
    // Only one ground truth per series and label set: others may have lost their mark.
    await this.refresh();
  }

  /** Lists (or lists again) a segmentation's versions. */
  async showVersions(maskSetId: string): Promise<void> {
    const listed = await this.api['masks.versions']({ maskSetId });
    if (!listed.ok) {
      this.error = listed.error.message;
      return;
    }
    this.versions = { ...this.versions, [maskSetId]: listed.value.versions };
  }

  hideVersions(maskSetId: string): void {
    const { [maskSetId]: _hidden, ...rest } = this.versions;
    this.versions = rest;
  }

  /** Shows an older version read-only (overlay and scores use it) until backToLatest or a restore. */
  async openVersion(maskSetId: string, version: number): Promise<void> {
    const info = this.maskSets.find((m) => m.maskSetId === maskSetId);
    if (!info) return;
    if (version === info.headVersion) return this.backToLatest(maskSetId);
    const opened = await this.api['masks.openVersion']({ maskSetId, version });
    if (!opened.ok) {
      this.error = opened.error.message;
      return;
    }
    this.viewing[maskSetId] = version;
    await this.loadVolume(info);
    await this.scoreIfReady();
  }

  async backToLatest(maskSetId: string): Promise<void> {
    delete this.viewing[maskSetId];
    const info = this.maskSets.find((m) => m.maskSetId === maskSetId);
    if (info) await this.loadVolume(info);
    await this.scoreIfReady();
  }

  /** Makes an older version the head again (a new version with its content; nothing is lost). */
  async restore(maskSetId: string, version: number): Promise<void> {
    const info = this.maskSets.find((m) => m.maskSetId === maskSetId);
    if (!info) return;
    const expectedHead = info.headVersion;
    const restored = await this.saves.save(`restoring version ${version} of ${info.name}`, () => this.api['masks.restore']({ maskSetId, version, expectedHead }));
    delete this.viewing[maskSetId];
    this.replaceInfo(restored);
    await this.loadVolume(restored);
    await this.showVersions(maskSetId);
    await this.scoreIfReady();
  }

  private replaceInfo(info: MaskSetInfo): void {
    this.maskSets = this.maskSets.map((m) => (m.maskSetId === info.maskSetId ? info : m));
  }

  setTruth(maskSetId: string | null): Promise<void> {
    this.truthId = maskSetId;
    void this.syncVolumes();
    return this.scoreIfReady();
  }

  setPred(maskSetId: string | null): Promise<void> {
    this.predId = maskSetId;
    void this.syncVolumes();
    return this.scoreIfReady();
  }

  setEmptyRule(rule: EmptyRule): Promise<void> {
    this.emptyRule = rule;
    return this.scoreIfReady();
  }

  /** Scores as soon as two different mask sets are chosen; the table follows the choice. */
  async scoreIfReady(): Promise<void> {
    const { truthId, predId, emptyRule } = this;
    if (!truthId || !predId || truthId === predId) return;
    this.scoring = true;
    this.error = null;
    try {
      const truthVersion = this.viewing[truthId];
      const predVersion = this.viewing[predId];
      const scored = await this.api['masks.score']({ truthId, predId, emptyRule, ...(truthVersion ? { truthVersion } : {}), ...(predVersion ? { predVersion } : {}) });
      if (this.truthId !== truthId || this.predId !== predId) return;
      if (scored.ok) this.score = scored.value;
      else this.error = scored.error.message;
    } finally {
      this.scoring = false;
    }
  }

  /** Runs as a job so a large dataset shows progress (jobs.progress events, no polling) and can be cancelled. */
  async scoreDataset(truthDir: string, predDir: string): Promise<void> {
    this.datasetBusy = true;
    this.datasetError = null;
    this.datasetProgress = null;
    try {
      const granted = await this.api['catalog.grantPaths']({ paths: [truthDir, predDir], how: 'path-field' });
      if (!granted.ok) {
        this.datasetError = granted.error.message;
        return;
      }
      const finished = await followJob(this.api, 'datasetScore', () => this.api['masks.startDatasetScore']({ truthDir, predDir, emptyRule: this.emptyRule }), {
        onStarted: (jobId) => (this.datasetJobId = jobId),
        onProgress: ({ done, total }) => (this.datasetProgress = { done, total }),
      });
      if (!finished.ok) {
        this.datasetError = finished.error.message;
        return;
      }
      const { state, done, total, result, message } = finished.value;
      this.datasetProgress = { done, total };
      if (state === 'done' && result) {
        this.dataset = result;
        this.datasetFolders = { truthDir, predDir };
      }
      else this.datasetError = message ?? `dataset scoring ${state}`;
    } finally {
      this.datasetBusy = false;
      this.datasetJobId = null;
    }
  }

  async cancelDataset(): Promise<void> {
    if (!this.datasetJobId) return;
    const cancelled = await this.api['jobs.cancel']({ jobId: this.datasetJobId });
    if (!cancelled.ok) this.datasetError = cancelled.error.message;
  }

  sortDatasetBy(key: DatasetSortKey): void {
    this.datasetSort = nextSort(this.datasetSort, key);
  }

  /** Native picker in Electron; null in browser mode, where the panel shows a path field. */
  async pickPaths(kind: 'files' | 'folder'): Promise<string[] | null> {
    const picked = await this.api['app.pickPaths']({ kind });
    if (picked.ok) return picked.value.paths;
    if (picked.error.code !== 'unsupported') this.error = picked.error.message;
    return null;
  }
}
