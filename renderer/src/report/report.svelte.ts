import type { Api } from '../../../core/contract/index';
import type { Study } from '../../../core/contract/dicom';
import type { ReportVersionSummary } from '../../../core/contract/report';
import type { Result } from '../../../core/contract/result';
import type { AiItem, KeyImage, KeyImageView, ReportVersion } from '../../../core/report/model';
import type { ViewerState } from '../state/viewer.svelte';
import { describeLoadError } from '../lib/errors';
import { findStackViewport } from '../lib/cornerstone/findStackViewport';
import { findViewportElement } from '../lib/cornerstone/findViewportElement';
import type { MprAxis } from '../viewer/layout';
import { captureTarget, keyImageStartCaption, keyImageViewName } from './keyImageView';
import { describeCharacter } from '../../../core/report/font-fallback';
import { captureViewportPng } from './captureViewport';
import { aiItemOf, contentDiffers, draftContent, pdfPathIn, withKeyImage, type InsertableAnswer, type StudyReferences } from './reportContent';
import { CoalescedWrite } from './coalescedWrite';
import { keepEdits, readRecovery, recoveredContent, recoveryOffer, removeRecovery, type RecoveryCopy, type RecoveryStorage } from './reportRecovery';

/** Typing is saved this long after the last keystroke. */
const AUTOSAVE_MS = 800;

export type ReportSaveState =
  | { state: 'saved' }
  | { state: 'saving' }
  /** The store could not save (the edits stay here; Retry). */
  | { state: 'error'; message: string }
  /** Another window or process saved (or signed) since: nothing is saved over it until the person chooses. */
  | { state: 'conflict'; message: string };

export interface ExportResult {
  path: string;
  bytes: number;
  version: number;
  state: string;
  keyImages: number;
  skipped: { sopInstanceUid: string; frame: number; reason: string }[];
  /** Characters no embedded font has, printed as U+FFFD, as "U+0E01 ก". */
  missingCharacters: string[];
}

/**
 * The report of the open study as the Report dock edits it: the head version from the store, the
 * person's edits (autosaved as drafts on the version they were made on), signing, amending, the
 * versions and the PDF export. Answers from another study arriving late are dropped.
 */
export class ReportState {
  study = $state.raw<Study | null>(null);
  /** The newest version as the store answered it; null before the study has a report. */
  head = $state.raw<ReportVersion | null>(null);
  loading = $state(false);
  loadError = $state<string | null>(null);

  findings = $state('');
  impression = $state('');
  aiItems = $state.raw<AiItem[]>([]);
  keyImages = $state.raw<KeyImage[]>([]);

  saveState = $state.raw<ReportSaveState>({ state: 'saved' });
  /** The action running (sign, amend, confirm, capture, export), one at a time. */
  busy = $state<string | null>(null);
  actionError = $state<string | null>(null);
  /** The study's measurements and segmentations the draft cites; null until read (or when they could not be). */
  references = $state.raw<StudyReferences | null>(null);
  referencesError = $state<string | null>(null);

  versions = $state.raw<ReportVersionSummary[]>([]);
  /** An older version opened read-only from the versions list. */
  viewing = $state.raw<ReportVersion | null>(null);

  exportPath = $state('');
  exported = $state.raw<ExportResult | null>(null);
  exportError = $state<string | null>(null);

  /** The view the pointer was last over (the Report dock follows it): what "Add key image" captures. */
  pointedView = $state<KeyImageView | null>(null);

  /** Text kept locally when the page went away before it was saved, offered on open (null: none, or it matched the store). */
  recovered = $state.raw<RecoveryCopy | null>(null);
  /** The recovery copy could not be read or written (the reason, in words). */
  recoveryError = $state<string | null>(null);

  readonly studyKey = $derived(this.study?.studyInstanceUid ?? null);
  /** A signed version is locked: only an amendment changes it. */
  readonly locked = $derived(this.head !== null && this.head.state !== 'draft');

  /** The study last asked for (showStudy may wait for a save before it shows it). */
  private wantedKey: string | null = null;
  private dirty = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inFlight: Promise<void> | null = null;
  /** The recovery copy, written at most once per animation frame however fast the person types. */
  private readonly localCopy = new CoalescedWrite(() => this.keepLocally());

  constructor(
    private readonly api: Api,
    /** Where recovery copies are kept: the window's localStorage (null where it is unavailable). */
    private readonly storage: RecoveryStorage | null = windowStorage(),
  ) {}

  /** Edits that are not in the store yet: pending, being saved, refused or waiting on a conflict. */
  get hasUnsavedEdits(): boolean {
    return this.dirty || this.inFlight !== null || this.saveState.state !== 'saved';
  }

  /**
   * The page is going away (close, reload) or hidden: unsaved edits are written locally at once
   * (synchronously; the save may not finish in time), then the save is started.
   */
  keepRecoveryCopy(): void {
    if (!this.hasUnsavedEdits) return;
    this.localCopy.writeNow();
    void this.flush();
  }

  /** Puts the recovered edits in the dock and saves them as the next version (a version saved since it was written is a conflict to choose on). */
  async restoreRecovered(): Promise<void> {
    const copy = this.recovered;
    if (!copy || this.locked || copy.studyKey !== this.studyKey) return;
    const edits = recoveredContent(copy, this.head);
    this.recovered = null;
    this.findings = edits.findings;
    this.impression = edits.impression;
    this.aiItems = edits.aiItems;
    this.keyImages = edits.keyImages;
    const headNumber = this.head?.number ?? 0;
    if (copy.baseVersion !== headNumber) {
      this.dirty = true;
      this.saveState = {
        state: 'conflict',
        message: `The recovered edits were made on ${copy.baseVersion === 0 ? 'no saved version' : `version ${copy.baseVersion}`}; version ${headNumber} was saved since. Your recovered edits are in the dock.`,
      };
      return;
    }
    this.edited();
    await this.flush();
  }

  /** Throws the recovery copy away (the stored version stays as it is). */
  discardRecovered(): void {
    const key = this.studyKey;
    if (key && this.storage) removeRecovery(this.storage, key);
    this.recovered = null;
    this.recoveryError = null;
  }

  /** Follows the viewer's study: the previous study's pending edits are saved first. */
  async showStudy(study: Study | null): Promise<void> {
    const key = study?.studyInstanceUid ?? null;
    if (key === this.studyKey && key === this.wantedKey) {
      // The same study, perhaps with more series imported since: cite theirs too.
      if (study) this.study = study;
      return;
    }
    this.wantedKey = key;
    // A copy asked for is of this study's edits: written before anything here changes.
    this.localCopy.flush();
    await this.flush();
    // Another study was chosen while the pending edits were saved: that call shows it.
    if (this.wantedKey !== key) return;
    this.study = study;
    this.head = null;
    this.viewing = null;
    this.exported = null;
    this.exportError = null;
    this.actionError = null;
    this.references = null;
    this.versions = [];
    this.recovered = null;
    this.recoveryError = null;
    this.fill(null);
    this.saveState = { state: 'saved' };
    if (study) await this.load();
  }

  /** Reads the head version (dropping unsaved edits: used on open and to take the other window's version after a conflict). */
  async load(): Promise<void> {
    const key = this.studyKey;
    if (!key) return;
    this.loading = true;
    this.loadError = null;
    const got = await this.call('report.get', () => this.api['report.get']({ studyKey: key }));
    if (key !== this.studyKey) return;
    this.loading = false;
    if (!got.ok) {
      this.loadError = got.error.message;
      return;
    }
    this.clearTimer();
    this.dirty = false;
    this.head = got.value.report;
    this.fill(this.head);
    this.saveState = { state: 'saved' };
    this.offerRecovery(key);
    void this.refreshVersions();
    void this.readReferences();
  }

  /** A person changed something: it is saved shortly (never while a conflict waits for their choice). */
  edited(): void {
    if (this.locked || !this.studyKey) return;
    this.dirty = true;
    // Kept locally within a frame, so a crash (which fires no pagehide) before the save lands loses at most that frame.
    this.localCopy.request();
    if (this.saveState.state === 'conflict') return;
    this.saveState = { state: 'saving' };
    this.clearTimer();
    this.timer = setTimeout(() => void this.flush(), AUTOSAVE_MS);
  }

  /** Saves what is pending now; true when everything is saved afterwards. */
  async flush(): Promise<boolean> {
    this.clearTimer();
    while (this.inFlight) await this.inFlight;
    if (this.dirty && this.saveState.state !== 'conflict') {
      this.inFlight = this.commit();
      try {
        await this.inFlight;
      } finally {
        this.inFlight = null;
      }
    }
    return this.saveState.state === 'saved';
  }

  retry(): Promise<boolean> {
    this.dirty = true;
    if (this.saveState.state === 'error') this.saveState = { state: 'saving' };
    return this.flush();
  }

  /** After a conflict: save these edits on top of the version saved since, when it is still a draft. */
  async keepMine(): Promise<void> {
    const key = this.studyKey;
    if (!key) return;
    const got = await this.call('report.get', () => this.api['report.get']({ studyKey: key }));
    if (key !== this.studyKey) return;
    if (!got.ok) {
      this.saveState = { state: 'conflict', message: got.error.message };
      return;
    }
    const theirs = got.value.report;
    if (theirs && theirs.state !== 'draft') {
      this.saveState = {
        state: 'conflict',
        message: `version ${theirs.number} was signed by ${theirs.signature?.signer ?? 'someone'} since and is locked; your edits cannot be saved over it. Load it (and amend it to change it).`,
      };
      return;
    }
    this.head = theirs;
    this.saveState = { state: 'saving' };
    this.dirty = true;
    await this.flush();
  }

  insertAnswer(answer: InsertableAnswer, modelVersion: string | null): void {
    const item = aiItemOf(answer, newItemId(), modelVersion);
    if (!item || this.locked) return;
    this.aiItems = [...this.aiItems, item];
    this.edited();
  }

  setAiText(id: string, text: string): void {
    this.aiItems = this.aiItems.map((item) => (item.id === id ? { ...item, text } : item));
    this.edited();
  }

  removeAiItem(id: string): void {
    this.aiItems = this.aiItems.filter((item) => item.id !== id);
    this.edited();
  }

  /** A person confirms an AI text as it is (saved first, so the confirmation is made on what they see). */
  confirmAiItem(id: string): Promise<void> {
    return this.act('confirm', async (key) => {
      const head = await this.savedHead();
      if (!head) return;
      const confirmed = await this.call('report.confirmAiItem', () => this.api['report.confirmAiItem']({ studyKey: key, expectedVersion: head.number, itemId: id }));
      if (this.adopt(key, confirmed)) this.syncAiReview();
    });
  }

  /**
   * Captures a view as shown (image, overlays, measurements) with its W/L, view and slice: the view the
   * pointer was last over, else the stack where shown, else the axial view (see keyImageView.ts).
   */
  addKeyImage(viewer: ViewerState): Promise<void> {
    return this.act('capture', async () => {
      const open = viewer.open;
      if (!open || open.study.studyInstanceUid !== this.studyKey) throw new Error('open a series of this study first: the key image is the viewport as shown');
      const target = captureTarget(viewer.mpr.panes, this.pointedView);
      if (!target) throw new Error('no view is on screen');
      const image = target === 'stack' ? await captureStack(viewer) : await captureVolumeView(viewer, target);
      this.keyImages = withKeyImage(this.keyImages, { seriesKey: open.series.seriesInstanceUid, caption: keyImageStartCaption(target, image.slice), view: target, ...image });
      // Saved at once, not after the typing delay (a PNG is too big to keep in every recovery copy).
      this.edited();
      await this.flush();
    });
  }

  setKeyImageCaption(index: number, caption: string): void {
    this.keyImages = this.keyImages.map((image, i) => (i === index ? { ...image, caption } : image));
    this.edited();
  }

  removeKeyImage(index: number): void {
    this.keyImages = this.keyImages.filter((_, i) => i !== index);
    this.edited();
  }

  /** Signs by name: saved first (with the study's references as they are now), then locked. */
  sign(signer: string): Promise<void> {
    return this.act('sign', async (key) => {
      const name = signer.trim();
      if (!name) throw new Error('type your name to sign');
      this.dirty = true;
      const head = await this.savedHead();
      if (!head) return;
      const signed = await this.call('report.sign', () => this.api['report.sign']({ studyKey: key, expectedVersion: head.number, signer: name }));
      if (this.adopt(key, signed)) void this.refreshVersions();
    });
  }

  /** Opens an amendment of the signed report as a new draft (the signed version stays, superseded). */
  amend(reason: string): Promise<void> {
    return this.act('amend', async (key) => {
      const why = reason.trim();
      if (!why) throw new Error('say why the report is amended');
      const head = this.head;
      if (!head) return;
      const amended = await this.call('report.amend', () => this.api['report.amend']({ studyKey: key, expectedVersion: head.number, reason: why }));
      if (this.adopt(key, amended)) {
        this.fill(this.head);
        void this.refreshVersions();
      }
    });
  }

  async refreshVersions(): Promise<void> {
    const key = this.studyKey;
    if (!key) return;
    const listed = await this.call('report.versions', () => this.api['report.versions']({ studyKey: key }));
    if (key !== this.studyKey) return;
    if (listed.ok) this.versions = listed.value.versions;
    else this.actionError = listed.error.message;
  }

  /** Opens an older version read-only (null closes it). */
  async view(version: number | null): Promise<void> {
    const key = this.studyKey;
    if (!key || version === null) {
      this.viewing = null;
      return;
    }
    const got = await this.call('report.get', () => this.api['report.get']({ studyKey: key, version }));
    if (key !== this.studyKey) return;
    if (got.ok) this.viewing = got.value.report;
    else this.actionError = got.error.message;
  }

  /** In Electron: a folder from the native picker becomes the path offered; null when there is no picker here. */
  async pickExportFolder(): Promise<boolean> {
    const picked = await this.call('app.pickPaths', () => this.api['app.pickPaths']({ kind: 'folder' }));
    if (!picked.ok) {
      if (picked.error.code === 'unsupported') return false;
      this.exportError = picked.error.message;
      return true;
    }
    const [folder] = picked.value.paths;
    if (folder && this.studyKey) this.exportPath = pdfPathIn(folder, this.studyKey);
    return true;
  }

  /** Writes the newest version as PDF to the typed path (granted as the person's own choice). */
  exportPdf(): Promise<void> {
    return this.act('export', async (key) => {
      this.exported = null;
      this.exportError = null;
      const outPath = this.exportPath.trim();
      if (!outPath) {
        this.exportError = 'type the path of the PDF file to write';
        return;
      }
      if (!(await this.flush())) {
        this.exportError = 'the report has changes that are not saved; save them first (see above)';
        return;
      }
      if (!this.head) {
        this.exportError = 'write the report first: there is nothing saved to export';
        return;
      }
      const granted = await this.call('catalog.grantPaths', () => this.api['catalog.grantPaths']({ paths: [outPath], how: 'path-field' }));
      if (!granted.ok) {
        this.exportError = granted.error.message;
        return;
      }
      const written = await this.call('report.exportPdf', () => this.api['report.exportPdf']({ studyKey: key, outPath }));
      if (key !== this.studyKey) return;
      if (written.ok) this.exported = { ...written.value, skipped: written.value.skippedKeyImages, missingCharacters: written.value.missingCharacters.map(describeCharacter) };
      else this.exportError = written.error.message;
    });
  }

  // ---- internals -----------------------------------------------------------------------------

  private fill(version: ReportVersion | null): void {
    const content = version?.content;
    this.findings = content?.findings ?? '';
    this.impression = content?.impression ?? '';
    this.aiItems = content?.aiItems ?? [];
    this.keyImages = content?.keyImages ?? [];
  }

  /** Saves the draft as the next version, made on the head the edits started from. */
  private async commit(): Promise<void> {
    const key = this.studyKey;
    if (!key || this.locked) return;
    this.dirty = false;
    this.saveState = { state: 'saving' };
    const references = (await this.readReferences()) ?? this.references;
    if (key !== this.studyKey) return;
    const content = draftContent({ findings: this.findings, impression: this.impression, aiItems: this.aiItems, keyImages: this.keyImages }, this.head?.content ?? null, references);
    if (!contentDiffers(this.head?.content ?? null, content)) {
      if (!this.dirty) {
        this.saveState = { state: 'saved' };
        this.dropRecoveryCopy(key);
      }
      return;
    }
    const expectedVersion = this.head?.number ?? 0;
    const saved = await this.call('report.saveDraft', () => this.api['report.saveDraft']({ studyKey: key, expectedVersion, content }));
    if (key !== this.studyKey) return;
    if (saved.ok) {
      this.head = saved.value;
      this.syncAiReview();
      this.saveState = this.dirty ? { state: 'saving' } : { state: 'saved' };
      if (!this.dirty) this.dropRecoveryCopy(key);
      void this.refreshVersions();
      if (this.dirty) this.timer = setTimeout(() => void this.flush(), AUTOSAVE_MS);
      return;
    }
    this.dirty = true;
    this.saveState =
      saved.error.code === 'conflict'
        ? { state: 'conflict', message: `Not saved: ${saved.error.message}. Your edits are still here.` }
        : { state: 'error', message: saved.error.message };
  }

  /** The head once everything is saved; null (with the reason shown) when it is not. */
  private async savedHead(): Promise<ReportVersion | null> {
    if (!(await this.flush())) {
      this.actionError = this.saveState.state === 'conflict' ? 'resolve the conflict above first' : 'the report has changes that could not be saved (see above)';
      return null;
    }
    if (!this.head) this.actionError = 'write the report first: nothing is saved yet';
    return this.head;
  }

  /** Takes a version the store answered as the head; false (with the reason shown) when the call failed. */
  private adopt(key: string, result: Result<ReportVersion>): boolean {
    if (key !== this.studyKey) return false;
    if (!result.ok) {
      this.actionError = result.error.message;
      return false;
    }
    this.head = result.value;
    return true;
  }

  /** The store decides each AI item's review state: take it from the head, keeping any text typed since. */
  private syncAiReview(): void {
    const stored = new Map((this.head?.content.aiItems ?? []).map((item) => [item.id, item]));
    this.aiItems = this.aiItems.map((item) => {
      const s = stored.get(item.id);
      return s ? { ...item, status: s.status, reviewedBy: s.reviewedBy, reviewedAt: s.reviewedAt } : item;
    });
  }

  /** The study's measurements and segmentations now, from the store, series by series. */
  private async readReferences(): Promise<StudyReferences | null> {
    const study = this.study;
    if (!study) return null;
    const found: StudyReferences = { measurementIds: [], segmentationIds: [] };
    for (const series of study.series) {
      const seriesKey = series.seriesInstanceUid;
      const measurements = await this.call('measurements.list', () => this.api['measurements.list']({ seriesKey }));
      const masks = await this.call('masks.list', () => this.api['masks.list']({ seriesKey }));
      if (study !== this.study) return null;
      if (!measurements.ok || !masks.ok) {
        this.referencesError = `The study's measurements and segmentations could not be read (the draft keeps what it cited): ${!measurements.ok ? measurements.error.message : !masks.ok ? masks.error.message : ''}`;
        return null;
      }
      found.measurementIds.push(...measurements.value.measurements.map((m) => m.id));
      found.segmentationIds.push(...masks.value.maskSets.map((m) => m.maskSetId));
    }
    this.referencesError = null;
    this.references = found;
    return found;
  }

  /** Runs one action at a time for the current study; a thrown reason is shown in words. */
  private async act(name: string, run: (studyKey: string) => Promise<void>): Promise<void> {
    const key = this.studyKey;
    if (!key || this.busy) return;
    this.busy = name;
    this.actionError = null;
    try {
      await run(key);
    } catch (e) {
      if (key === this.studyKey) this.actionError = `Could not ${actionWords[name] ?? name}: ${describeLoadError(e)}`;
    } finally {
      this.busy = null;
    }
  }

  /** A call whose transport failure (a lost connection) becomes an error answer naming the call. */
  private async call<T>(name: string, run: () => Promise<Result<T>>): Promise<Result<T>> {
    try {
      return await run();
    } catch (e) {
      return { ok: false, error: { code: 'io_error', message: `${name}: ${describeLoadError(e)}` } };
    }
  }

  /** A copy matching the stored head is dropped; one that differs is offered (read-only over a signed head). */
  private offerRecovery(key: string): void {
    if (!this.storage) return;
    const read = readRecovery(this.storage, key);
    if (!read.ok) {
      this.recoveryError = `Unsaved text could not be recovered: ${read.reason}.`;
      return;
    }
    if (recoveryOffer(read.copy, this.head) === 'none') {
      if (read.copy) removeRecovery(this.storage, key);
      this.recovered = null;
      return;
    }
    this.recovered = read.copy;
  }

  /**
   * Writes the unsaved edits to the recovery copy (never over a copy still offered: the person has not
   * chosen on it yet; their new edits are saved by the autosave as usual).
   */
  private keepLocally(): void {
    const key = this.studyKey;
    // A write asked for before a save that took everything: nothing to keep (the save dropped the copy).
    if (!key || this.locked || !this.storage || this.recovered || !this.hasUnsavedEdits) return;
    const problem = keepEdits(this.storage, key, this.head, { findings: this.findings, impression: this.impression, aiItems: this.aiItems, keyImages: this.keyImages }, new Date().toISOString());
    if (problem) this.recoveryError = problem;
  }

  /** Everything is saved: the local copy is no longer needed, unless it is still offered (its text is not what was saved). */
  private dropRecoveryCopy(key: string): void {
    if (this.recovered) return;
    this.localCopy.cancel();
    if (this.storage) removeRecovery(this.storage, key);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** A captured view: its PNG, the frame it refers to, its W/L and slice. */
type Captured = Pick<KeyImage, 'sopInstanceUid' | 'frame' | 'window' | 'png'> & { slice: { number: number; count: number } };

const windowOf = (voi: { windowCenter: number; windowWidth: number } | null): KeyImage['window'] =>
  voi && Number.isFinite(voi.windowCenter) && voi.windowWidth > 0 ? { center: voi.windowCenter, width: voi.windowWidth } : null;

/** The stack view as shown, with the SOP instance and frame of its image. */
async function captureStack(viewer: ViewerState): Promise<Captured> {
  const open = viewer.open!;
  const shownId = viewer.currentFrame?.imageId;
  const viewport = shownId ? findStackViewport(shownId) : null;
  const imageId = viewport?.getCurrentImageId();
  const frame = open.frames.find((f) => f.imageId === imageId);
  if (!viewport || !frame) throw new Error('the viewer is not showing an image yet');
  // The MPR-only layout hides the stack view: its image is not what the person sees.
  if (viewport.element.getClientRects().length === 0) throw new Error('the stack view is not on screen; choose the 1×1 or 2×2 layout to capture it');
  const { png } = await captureViewportPng(viewport.element);
  return { sopInstanceUid: frame.instance.sopInstanceUid, frame: frame.frame ?? 1, window: windowOf(viewer.snapshot.voi), png, slice: { number: open.frames.indexOf(frame) + 1, count: open.frames.length } };
}

/** A volume view as shown; it refers to the series through the image the stack shows with it. */
async function captureVolumeView(viewer: ViewerState, axis: MprAxis): Promise<Captured> {
  const mpr = viewer.mpr;
  const name = keyImageViewName(axis);
  if (mpr.status.kind === 'refused') throw new Error(`the ${name.toLowerCase()} view shows no volume: ${mpr.status.reason}`);
  if (mpr.status.kind !== 'ready') throw new Error(`the ${name.toLowerCase()} view is still loading the volume; add the key image once it is shown`);
  const view = mpr.views[axis];
  const id = mpr.viewportIdOf(axis);
  const element = id ? findViewportElement(id) : null;
  if (!element || element.getClientRects().length === 0 || view.sliceCount === 0) throw new Error(`the ${name.toLowerCase()} view is not on screen`);
  const { png } = await captureViewportPng(element);
  const open = viewer.open!;
  const reference = viewer.currentFrame ?? open.frames[0];
  return { sopInstanceUid: reference.instance.sopInstanceUid, frame: reference.frame ?? 1, window: windowOf(view.voi), png, slice: { number: view.sliceIndex + 1, count: view.sliceCount } };
}

/** The window's localStorage, or null where reading it throws (sandboxed, disabled) or there is no window (tests). */
function windowStorage(): RecoveryStorage | null {
  try {
    return typeof window !== 'undefined' ? window.localStorage : null;
  } catch {
    return null;
  }
}

const actionWords: Record<string, string> = { confirm: 'confirm the AI text', capture: 'add the key image', sign: 'sign the report', amend: 'amend the report', export: 'export the PDF' };

let itemCounter = 0;
/** An AI item id unique within a report (time, then a counter, then randomness). */
const newItemId = (): string => `ai-${Date.now().toString(36)}-${(itemCounter++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
