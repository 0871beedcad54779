// Reports in the annotation store: one per study, every change a new version, signed versions locked, all audited.
import { createHash } from 'node:crypto';
import type { Db } from '../db/open-database';
import {
  confirmAiItem,
  reportContentProblem,
  reportContentSchema,
  reviewAiItems,
  type ReportContent,
  type ReportState,
  type ReportVersion,
} from '../report/model';
import type { AuditAction, AuditTarget, StoreErrorKind, StoreResult } from './annotation-store';

/** What the AnnotationStore lends its report part: the same file, transactions, error values and audit log. */
export interface ReportStoreDeps {
  file: string;
  db: Db;
  now: () => number;
  write<T>(action: string, body: () => T): StoreResult<T>;
  read<T>(action: string, body: () => T): StoreResult<T>;
  abort(kind: StoreErrorKind, message: string): never;
  audit(at: number, actor: string, action: AuditAction, what: AuditTarget): void;
}

/** A version without its content: what a version list shows. */
export type ReportVersionSummary = Omit<ReportVersion, 'content'>;

export interface ReportChange {
  /** The version the change was made on (0 for a study without a report yet); a newer head is a conflict. */
  expectedVersion: number;
  author: string;
  note?: string;
}

interface VersionRow {
  study_key: string;
  number: number;
  edition: number;
  state: ReportState;
  saved_at: number;
  saved_by: string;
  note: string;
  signed_by: string | null;
  signed_at: number | null;
  content_json: string;
}

/** Key images as stored: the PNG replaced by the hash of its row in report_images. */
type StoredContent = Omit<ReportContent, 'keyImages'> & { keyImages: (Omit<ReportContent['keyImages'][number], 'png'> & { pngSha256: string | null })[] };

const iso = (ms: number): string => new Date(ms).toISOString();

export class ReportStore {
  constructor(private readonly deps: ReportStoreDeps) {}

  /** The newest version of the study's report (or the one numbered `version`); null when the study has none. */
  get(studyKey: string, version?: number): StoreResult<ReportVersion | null> {
    return this.deps.read(`read the report of study ${studyKey}`, () => {
      const row = version === undefined ? this.headRow(studyKey) : this.versionRow(studyKey, version);
      return row ? this.versionOf(row, this.headNumber(studyKey)) : null;
    });
  }

  /** Every version, oldest first, without contents. */
  versions(studyKey: string): StoreResult<ReportVersionSummary[]> {
    return this.deps.read(`list the versions of the report of study ${studyKey}`, () => {
      const rows = this.deps.db.prepare('SELECT * FROM report_versions WHERE study_key = ? ORDER BY number').all(studyKey) as VersionRow[];
      const head = rows.at(-1)?.number ?? 0;
      return rows.map((row) => summaryOf(row, head));
    });
  }

  /**
   * Saves a draft as the next version (creating the report when expectedVersion is 0). AI items keep
   * the store's review rules: new ones are AI drafts, an edited text is marked edited by the author.
   */
  saveDraft(studyKey: string, input: ReportContent, change: ReportChange): StoreResult<ReportVersion> {
    const parsed = reportContentSchema.safeParse(input);
    if (!parsed.success) return { ok: false, error: { kind: 'bad_input', message: `report of study ${studyKey}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` } };
    const problem = reportContentProblem(parsed.data);
    if (problem) return { ok: false, error: { kind: 'bad_input', message: `report of study ${studyKey}: ${problem}` } };
    return this.deps.write(`save the report of study ${studyKey}`, () => {
      const at = this.deps.now();
      const head = this.editableHead(studyKey, change.expectedVersion, 'save a draft');
      if (!head) this.deps.db.prepare('INSERT INTO reports (study_key, created_at, created_by) VALUES (?, ?, ?)').run(studyKey, at, change.author);
      const previous = head ? this.contentOf(head) : null;
      const aiItems = reviewAiItems(previous?.aiItems ?? [], parsed.data.aiItems, change.author, iso(at));
      const content = { ...parsed.data, aiItems };
      const number = (head?.number ?? 0) + 1;
      this.insertVersion(studyKey, number, head?.edition ?? 1, 'draft', at, change.author, change.note ?? '', null, content);
      this.deps.audit(at, change.author, 'report-save', { reportStudyKey: studyKey, versionNumber: number, detail: { edition: head?.edition ?? 1, findingsChars: content.findings.length, impressionChars: content.impression.length, aiItems: aiItems.length, keyImages: content.keyImages.length } });
      const before = new Map((previous?.aiItems ?? []).map((item) => [item.id, item]));
      for (const item of aiItems) {
        const old = before.get(item.id);
        if (old && old.text !== item.text) this.deps.audit(at, change.author, 'report-ai-edit', { reportStudyKey: studyKey, versionNumber: number, detail: { itemId: item.id, model: item.model, wasStatus: old.status } });
      }
      return this.versionOf(this.versionRow(studyKey, number)!, number);
    });
  }

  /** Confirms one AI text as it is (it stops being an AI draft), as the next version. */
  confirmAiItem(studyKey: string, itemId: string, change: ReportChange): StoreResult<ReportVersion> {
    return this.deps.write(`confirm AI item ${itemId} of the report of study ${studyKey}`, () => {
      const at = this.deps.now();
      const head = this.editableHead(studyKey, change.expectedVersion, 'confirm an AI text') ?? this.deps.abort('not_found', `study ${studyKey} has no report`);
      const content = this.contentOf(head);
      const item = content.aiItems.find((i) => i.id === itemId);
      const aiItems = confirmAiItem(content.aiItems, itemId, change.author, iso(at)) ?? this.deps.abort('not_found', `report of study ${studyKey}: version ${head.number} has no AI item '${itemId}'`);
      const number = head.number + 1;
      this.insertVersion(studyKey, number, head.edition, 'draft', at, change.author, change.note ?? `confirmed AI item ${itemId}`, null, { ...content, aiItems });
      this.deps.audit(at, change.author, 'report-ai-confirm', { reportStudyKey: studyKey, versionNumber: number, detail: { itemId, model: item!.model, wasStatus: item!.status } });
      return this.versionOf(this.versionRow(studyKey, number)!, number);
    });
  }

  /** Signs the draft: the next version is `final` (or `amended` for an amendment), locked from then on. */
  sign(studyKey: string, change: ReportChange): StoreResult<ReportVersion> {
    return this.deps.write(`sign the report of study ${studyKey}`, () => {
      const at = this.deps.now();
      const head = this.editableHead(studyKey, change.expectedVersion, 'sign it') ?? this.deps.abort('not_found', `study ${studyKey} has no report to sign`);
      const content = this.contentOf(head);
      const state: ReportState = head.edition === 1 ? 'final' : 'amended';
      const number = head.number + 1;
      this.insertVersion(studyKey, number, head.edition, state, at, change.author, change.note ?? '', { signer: change.author, at }, content);
      const drafts = content.aiItems.filter((i) => i.status === 'ai-draft').length;
      this.deps.audit(at, change.author, 'report-sign', { reportStudyKey: studyKey, versionNumber: number, detail: { state, edition: head.edition, aiDraftsLeft: drafts } });
      return this.versionOf(this.versionRow(studyKey, number)!, number);
    });
  }

  /** Opens an amendment of a signed report: a new draft (next edition) with its content; the signed one stays readable. */
  amend(studyKey: string, change: ReportChange & { reason: string }): StoreResult<ReportVersion> {
    return this.deps.write(`amend the report of study ${studyKey}`, () => {
      const at = this.deps.now();
      const head = this.headRow(studyKey) ?? this.deps.abort('not_found', `study ${studyKey} has no report to amend`);
      this.checkExpected(studyKey, head, change.expectedVersion);
      if (head.state === 'draft') this.deps.abort('bad_input', `report of study ${studyKey}: version ${head.number} is a draft, not signed; edit it instead of amending it`);
      const number = head.number + 1;
      this.insertVersion(studyKey, number, head.edition + 1, 'draft', at, change.author, change.reason, null, this.contentOf(head));
      this.deps.audit(at, change.author, 'report-amend', { reportStudyKey: studyKey, versionNumber: number, detail: { amends: head.number, edition: head.edition + 1, reason: change.reason } });
      return this.versionOf(this.versionRow(studyKey, number)!, number);
    });
  }

  /** Audits a PDF (or other file) written from one version. */
  recordExport(studyKey: string, version: number, actor: string, target: string): StoreResult<void> {
    return this.deps.write(`record the export of the report of study ${studyKey}`, () => {
      if (!this.versionRow(studyKey, version)) this.deps.abort('not_found', `report of study ${studyKey}: has no version ${version}`);
      this.deps.audit(this.deps.now(), actor, 'report-export', { reportStudyKey: studyKey, versionNumber: version, detail: { target } });
    });
  }

  // ---- internals -----------------------------------------------------------------------------

  private headRow(studyKey: string): VersionRow | null {
    return (this.deps.db.prepare('SELECT * FROM report_versions WHERE study_key = ? ORDER BY number DESC LIMIT 1').get(studyKey) as VersionRow | undefined) ?? null;
  }

  private headNumber(studyKey: string): number {
    return this.headRow(studyKey)?.number ?? 0;
  }

  private versionRow(studyKey: string, number: number): VersionRow | null {
    return (this.deps.db.prepare('SELECT * FROM report_versions WHERE study_key = ? AND number = ?').get(studyKey, number) as VersionRow | undefined) ?? null;
  }

  private checkExpected(studyKey: string, head: VersionRow | null, expected: number): void {
    const current = head?.number ?? 0;
    if (current === expected) return;
    if (!head) this.deps.abort('conflict', `report of study ${studyKey}: the change was made on version ${expected}, but the study has no report in ${this.deps.file}`);
    this.deps.abort(
      'conflict',
      `report of study ${studyKey}: the change was made on version ${expected}, but version ${head!.number} was saved since (${iso(head!.saved_at)} by ${head!.saved_by}, another window or process); reload it and make the change again`,
    );
  }

  /** The head when it may change (a draft made on the expected version); null for a study without a report (expected 0). */
  private editableHead(studyKey: string, expected: number, what: string): VersionRow | null {
    const head = this.headRow(studyKey);
    this.checkExpected(studyKey, head, expected);
    if (head && head.state !== 'draft') {
      this.deps.abort(
        'conflict',
        `report of study ${studyKey}: cannot ${what}: version ${head.number} is ${head.state === 'final' ? 'final' : 'an amendment'}, signed by ${head.signed_by} on ${iso(head.signed_at!)}, and locked; amend it to change it`,
      );
    }
    return head;
  }

  private insertVersion(studyKey: string, number: number, edition: number, state: ReportState, at: number, by: string, note: string, signature: { signer: string; at: number } | null, content: ReportContent): void {
    const stored: StoredContent = { ...content, keyImages: content.keyImages.map(({ png, ...image }) => ({ ...image, pngSha256: png ? this.ensureImage(png) : null })) };
    this.deps.db
      .prepare('INSERT INTO report_versions (study_key, number, edition, state, saved_at, saved_by, note, signed_by, signed_at, content_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(studyKey, number, edition, state, at, by, note, signature?.signer ?? null, signature?.at ?? null, JSON.stringify(stored));
  }

  /** Stores a key image's PNG once (content-addressed) and answers its hash. */
  private ensureImage(png: Uint8Array): string {
    const hash = createHash('sha256').update(png).digest('hex');
    this.deps.db.prepare('INSERT OR IGNORE INTO report_images (hash, png) VALUES (?, ?)').run(hash, Buffer.from(png.buffer, png.byteOffset, png.byteLength));
    return hash;
  }

  private contentOf(row: VersionRow): ReportContent {
    const stored = JSON.parse(row.content_json) as StoredContent;
    const image = this.deps.db.prepare('SELECT png FROM report_images WHERE hash = ?');
    const keyImages = (stored.keyImages ?? []).map(({ pngSha256, ...rest }) => {
      const found = pngSha256 ? (image.get(pngSha256) as { png: Buffer } | undefined) : undefined;
      if (pngSha256 && !found) this.deps.abort('io', `${this.deps.file}: report of study ${row.study_key} version ${row.number}: key image PNG ${pngSha256} is missing`);
      return { ...rest, png: found ? new Uint8Array(found.png) : null };
    });
    return reportContentSchema.parse({ ...stored, keyImages });
  }

  private versionOf(row: VersionRow, head: number): ReportVersion {
    return { ...summaryOf(row, head), content: this.contentOf(row) };
  }
}

function summaryOf(row: VersionRow, head: number): ReportVersionSummary {
  return {
    studyKey: row.study_key,
    number: row.number,
    edition: row.edition,
    state: row.state,
    savedBy: row.saved_by,
    savedAt: iso(row.saved_at),
    note: row.note,
    signature: row.signed_by !== null && row.signed_at !== null ? { signer: row.signed_by, signedAt: iso(row.signed_at) } : null,
    supersededBy: row.number < head ? row.number + 1 : null,
  };
}
