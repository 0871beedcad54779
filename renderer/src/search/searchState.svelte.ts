import type { Api, Result } from '../../../core/contract/index';
import { ok } from '../../../core/contract/result';
import { searchIndexSummarySchema, type SearchHit, type SearchIndexStatus, type SearchResults } from '../../../core/contract/search';
import type { CatalogSeries } from '../../../core/contract/catalog';
import { followJob } from '../lib/jobs';
import { stackFramesForSeries } from '../lib/imageIds';
import { rememberImageSources } from '../lib/cornerstone/checkedLoader';
import type { CatalogState } from '../state/catalog.svelte';
import type { OpenSeries, ViewerState } from '../state/viewer.svelte';
import { frameIndexOfHit, seriesKeysOf } from './hitFrames';
import { indexOutcomeText, searchTextOf } from './format';

/** Results one search shows: a screenful of thumbnails in the browser, not the whole archive. */
export const RESULTS_SHOWN = 24;

/** What the results on screen answer. */
export type SearchQuestion = { kind: 'text'; text: string } | { kind: 'similar'; label: string };

/** A hit with what the grid needs to draw and open it, read from the catalog (never by decoding its series). */
export interface ShownHit {
  hit: SearchHit;
  rank: number;
  /** The image's cornerstone id, the one the viewer uses for it too (so a failure shown there is shown here); null when it cannot be found. */
  imageId: string | null;
  /** Why the hit cannot be shown or opened (its series left the catalog, the image is no longer in it). */
  problem: string | null;
}

/** The indexing job this page follows. */
export interface IndexProgress {
  jobId: string | null;
  done: number;
  total: number;
}

/**
 * Archive search in the study browser: the index's status, an indexing job (start, progress, cancel), a text or
 * "find similar" search and its ranked hits, and opening a hit at its image. All work happens in the service;
 * the page only reads results and one catalog entry per series shown.
 */
export class SearchState {
  status = $state.raw<SearchIndexStatus | null>(null);
  /** Why the status could not be read. */
  statusError = $state<string | null>(null);
  indexing = $state.raw<IndexProgress | null>(null);
  /** How the last indexing run ended (counts, or why it stopped). */
  indexOutcome = $state<string | null>(null);
  /** True when the last indexing run failed or was refused (the outcome is then an alert). */
  indexFailed = $state(false);

  question = $state.raw<SearchQuestion | null>(null);
  searching = $state(false);
  hits = $state.raw<ShownHit[]>([]);
  /** Embeddings the last search compared with, and its time. */
  searched = $state(0);
  searchMs = $state(0);
  /** Why the last search or open failed, in words. */
  error = $state<string | null>(null);
  /** A hit being opened: its series is in the viewer and the viewer is to show this image once the stack is up. */
  pendingImage = $state.raw<{ open: OpenSeries; index: number } | null>(null);

  private searchGeneration = 0;

  constructor(
    private readonly api: Api,
    private readonly catalog: CatalogState,
    private readonly viewer: ViewerState,
  ) {}

  /**
   * Reads the status now and again whenever the catalog changes (an import adds images to index), and follows any
   * indexing job the service runs (started by another window of this app, say); returns the stop.
   */
  watch(): () => void {
    void this.refreshStatus();
    const stops = [
      this.api.on('catalog.changed', () => void this.refreshStatus()),
      this.api.on('jobs.progress', ({ kind, state, jobId }) => {
        if (kind !== 'searchIndex' || this.indexing) return;
        if (state === 'running') void this.followIndexing(async () => ok({ jobId }));
        // The end of a run whose start this page missed (it connected meanwhile): the counts changed.
        else void this.refreshStatus();
      }),
    ];
    return () => stops.forEach((stop) => stop());
  }

  async refreshStatus(): Promise<void> {
    const read = await this.api['search.indexStatus']({});
    if (!read.ok) {
      this.statusError = read.error.message;
      return;
    }
    this.statusError = null;
    this.status = read.value;
    // A job this page did not start (another window, the CLI on the same home) is followed too.
    if (read.value.running && read.value.jobId && !this.indexing) void this.followIndexing(async () => ok({ jobId: read.value.jobId! }));
  }

  /** Search cannot run (no model with embeddings, no worker): the index status says why, and the search buttons wait. */
  get unavailable(): boolean {
    return this.status !== null && (this.status.model === null || this.status.problem !== null);
  }

  /** An image is on screen to find similar ones to, and search can run (the button, the Shift+F command). */
  get canFindSimilar(): boolean {
    return this.viewer.currentFrame !== null && !this.unavailable;
  }

  /** Starts indexing what is not indexed yet (or follows the job already running). */
  startIndexing(): Promise<void> {
    return this.followIndexing(() => this.api['search.indexStart']({}));
  }

  async cancelIndexing(): Promise<void> {
    const jobId = this.indexing?.jobId;
    if (!jobId) return;
    const cancelled = await this.api['jobs.cancel']({ jobId });
    if (!cancelled.ok) this.indexOutcome = `Could not cancel indexing: ${cancelled.error.message}`;
  }

  private async followIndexing(start: () => Promise<Result<{ jobId: string }>>): Promise<void> {
    if (this.indexing) return;
    this.indexing = { jobId: null, done: 0, total: 0 };
    this.indexOutcome = null;
    this.indexFailed = false;
    const finished = await followJob(this.api, 'searchIndex', start, {
      onStarted: (jobId) => (this.indexing = { jobId, done: 0, total: 0 }),
      onProgress: ({ jobId, done, total }) => (this.indexing = { jobId, done, total }),
    });
    // The counts followed the run's progress: read the exact ones before the progress goes, so they never jump back.
    await this.refreshStatus();
    this.indexing = null;
    if (!finished.ok) {
      this.indexFailed = true;
      this.indexOutcome = `Indexing could not run: ${finished.error.message}`;
    } else {
      const { state, message, result } = finished.value;
      // jobs.status types every kind's result alike: checked as the indexing summary it is.
      const summary = result ? searchIndexSummarySchema.safeParse(result) : null;
      this.indexFailed = state !== 'done' && state !== 'cancelled';
      this.indexOutcome = indexOutcomeText(state === 'running' ? 'failed' : state, summary?.success ? summary.data : null, message);
    }
  }

  /** Ranks the archive's images by a text; blank text does nothing. */
  searchText(typed: string): Promise<void> {
    const text = searchTextOf(typed);
    if (text === null) return Promise.resolve();
    return this.run({ kind: 'text', text }, () => this.api['search.text']({ text, k: RESULTS_SHOWN }));
  }

  /** Ranks the archive's images by likeness to the image the viewer shows now. */
  findSimilar(): Promise<void> {
    const open = this.viewer.open;
    const frame = this.viewer.currentFrame;
    if (!open || !frame) return Promise.resolve();
    const number = this.viewer.snapshot.sliceIndex + 1;
    const label = `image ${number} of ${open.series.modality} ${open.series.description || '(no description)'}`;
    return this.run({ kind: 'similar', label }, () =>
      this.api['search.similar']({ seriesKey: open.series.seriesInstanceUid, sopInstanceUid: frame.instance.sopInstanceUid, frame: frame.frame ?? 1, k: RESULTS_SHOWN }),
    );
  }

  /** Clears the results and any search error. */
  clear(): void {
    ++this.searchGeneration;
    this.question = null;
    this.hits = [];
    this.error = null;
    this.searching = false;
  }

  private async run(question: SearchQuestion, call: () => Promise<Result<SearchResults>>): Promise<void> {
    const generation = ++this.searchGeneration;
    this.question = question;
    this.searching = true;
    this.error = null;
    const answered = await call();
    if (generation !== this.searchGeneration) return;
    if (!answered.ok) {
      this.hits = [];
      this.searching = false;
      this.error = answered.error.message;
      // The status says what to do next (no model, nothing indexed): read it fresh.
      await this.refreshStatus();
      return;
    }
    const shown = await this.showable(answered.value.results);
    if (generation !== this.searchGeneration) return;
    this.hits = shown;
    this.searched = answered.value.searched;
    this.searchMs = answered.value.ms;
    this.searching = false;
    if (answered.value.searched === 0) await this.refreshStatus();
  }

  /** Each hit's image id from its series' canonical frame list (one catalog read per series, in parallel). */
  private async showable(hits: SearchHit[]): Promise<ShownHit[]> {
    const keys = seriesKeysOf(hits);
    const read = await Promise.all(keys.map((seriesKey) => this.api['catalog.series']({ seriesKey })));
    const bySeries = new Map<string, Result<CatalogSeries>>(keys.map((key, i) => [key, read[i]]));
    return hits.map((hit, rank) => {
      const series = bySeries.get(hit.seriesKey);
      if (!series?.ok) return { hit, rank, imageId: null, problem: `Series ${hit.seriesKey} is not in the catalog: ${series?.error.message ?? 'not read'}` };
      const frames = stackFramesForSeries(series.value.series, location.origin);
      const index = frameIndexOfHit(frames, hit);
      if (index < 0) return { hit, rank, imageId: null, problem: `${hit.filePath} frame ${hit.frame} is no longer in its series: import its folder again` };
      rememberImageSources([frames[index]]);
      return { hit, rank, imageId: frames[index].imageId, problem: null };
    });
  }

  /** Shows a hit's series in the viewer (its study chosen in the browser) at the hit's image. */
  async open(shown: ShownHit): Promise<void> {
    const { hit } = shown;
    this.error = null;
    // A hit in the series on screen: straight to its image, without loading the series again.
    const current = this.viewer.open;
    if (current?.series.seriesInstanceUid === hit.seriesKey && this.viewer.shownStack === current) {
      const index = frameIndexOfHit(current.frames, hit);
      if (index >= 0) {
        this.viewer.scrollTo(index);
        return;
      }
    }
    const chosen = this.viewer.choosingSeries();
    try {
      const opened = await this.catalog.select(hit.studyKey);
      const study = opened?.patient.studies[0];
      const series = study?.series.find((s) => s.seriesInstanceUid === hit.seriesKey);
      if (!opened || !study || !series) {
        this.error = `The study of ${hit.filePath} is no longer in the catalog${this.catalog.error ? `: ${this.catalog.error}` : ''}`;
        return;
      }
      this.viewer.select(opened.patient, study, series);
      const open = this.viewer.open;
      const index = open ? frameIndexOfHit(open.frames, hit) : -1;
      if (!open || index < 0) {
        this.error = `${hit.filePath} frame ${hit.frame} is no longer in its series: import its folder again`;
        return;
      }
      this.pendingImage = index > 0 ? { open, index } : null;
    } finally {
      chosen();
    }
  }

  /** Called as the viewer's shown stack changes: scrolls to the opened hit's image once its stack is on the viewport. */
  showPendingImage(shownStack: OpenSeries | null): void {
    const pending = this.pendingImage;
    if (!pending) return;
    if (this.viewer.open !== pending.open) this.pendingImage = null;
    else if (shownStack === pending.open) {
      this.pendingImage = null;
      this.viewer.scrollTo(pending.index);
    }
  }
}
