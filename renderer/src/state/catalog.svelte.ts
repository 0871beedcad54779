import type { Api } from '../../../core/contract/index';
import type { CatalogSeries, CatalogStudy, StudySummary } from '../../../core/contract/catalog';
import { noFilters, studyQuery, type StudyFilters } from '../lib/studyQuery';

/** The whole study catalog as the browser shows it: the filtered list, and the study chosen from it. */
export class CatalogState {
  filters = $state<StudyFilters>({ ...noFilters });
  studies = $state.raw<StudySummary[]>([]);
  total = $state(0);
  loaded = $state(false);
  /** Why the list or a study could not be read. */
  error = $state<string | null>(null);
  selectedKey = $state<string | null>(null);
  selected = $state.raw<CatalogStudy | null>(null);

  readonly filtered = $derived(Object.keys(studyQuery(this.filters)).length > 0);

  private listGeneration = 0;
  private studyGeneration = 0;

  constructor(private readonly api: Api) {}

  /** Fetches the list for the current filters; a slower earlier answer never overwrites a newer one. */
  async refresh(): Promise<void> {
    const generation = ++this.listGeneration;
    const listed = await this.api['catalog.studies'](studyQuery(this.filters));
    if (generation !== this.listGeneration) return;
    this.loaded = true;
    if (!listed.ok) {
      this.error = listed.error.message;
      return;
    }
    this.error = null;
    this.studies = listed.value.studies;
    this.total = listed.value.total;
    // The chosen study is fetched again too: an import may have added series or found files missing.
    if (this.selectedKey) await this.select(this.selectedKey);
  }

  setFilters(filters: Partial<StudyFilters>): Promise<void> {
    this.filters = { ...this.filters, ...filters };
    return this.refresh();
  }

  clearFilters(): Promise<void> {
    this.filters = { ...noFilters };
    return this.refresh();
  }

  /** Loads one study's series (for the list's thumbnails) and marks it chosen. */
  async select(studyKey: string): Promise<CatalogStudy | null> {
    const generation = ++this.studyGeneration;
    this.selectedKey = studyKey;
    const found = await this.api['catalog.study']({ studyKey });
    if (generation !== this.studyGeneration) return null;
    if (!found.ok) {
      this.selected = null;
      this.error = found.error.message;
      return null;
    }
    this.selected = found.value;
    return found.value;
  }

  /** One series with its patient and study, or null (with the reason in `error`). */
  async series(seriesKey: string): Promise<CatalogSeries | null> {
    const found = await this.api['catalog.series']({ seriesKey });
    if (found.ok) return found.value;
    this.error = found.error.message;
    return null;
  }
}
