// The report PDF, one template for app, browser mode and CLI: pdf-lib with DejaVu Sans embedded, so text is selectable,
// and WenQuanYi Micro Hei embedded beside it where the text has characters DejaVu Sans lacks (CJK, Hangul).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fontkit from '@pdf-lib/fontkit';
import {
  beginText,
  concatTransformationMatrix,
  drawObject,
  endText,
  PDFDocument,
  PDFHexString,
  popGraphicsState,
  pushGraphicsState,
  rgb,
  setFillingColor,
  setFontAndSize,
  setTextMatrix,
  showText,
  type PDFFont,
  type PDFName,
  type PDFPage,
  type RGB,
} from 'pdf-lib';
import { ioErrorText } from '../fs/io-error';
import { fontRuns, needsFallback, printedCharacter } from './font-fallback';
import { aiDraftNotice, aiSourceLine, type AiItem, type ReportState, type ScoreRow } from './model';
import { embedPngDirect } from './png-xobject';

/** Everything the template prints, resolved already (names, numbers as text where the caller formats them). */
export interface ReportDocument {
  header: {
    patientName: string;
    patientId: string;
    studyDate: string;
    studyDescription: string;
    accessionNumber: string;
    studyKey: string;
  };
  version: {
    number: number;
    edition: number;
    state: ReportState;
    signature: { signer: string; signedAt: string } | null;
    supersededBy: number | null;
  };
  /** The study's series, as the catalog lists them. */
  series: readonly { number: string; modality: string; description: string; images: number }[];
  findings: string;
  impression: string;
  aiItems: readonly AiItem[];
  keyImages: readonly { png: Uint8Array; caption: string }[];
  measurements: readonly { label: string; kind: string; value: string; image: string }[];
  segments: readonly { segmentation: string; segment: string; volumeMl: number; areaMm2: number | null; voxels: number }[];
  scores: readonly ScoreRow[];
  /** When the PDF was made (ISO); printed in the footer. */
  generatedAt: string;
}

export class ReportPdfError extends Error {}

const FONT_FILE = 'DejaVuSans.ttf';
/**
 * WenQuanYi Micro Hei (Apache-2.0, Debian fonts-wqy-microhei, face 0 of its .ttc): CJK ideographs, kana
 * and Hangul, for the characters DejaVu Sans lacks (see fonts/LICENSE.txt).
 */
const FALLBACK_FONT_FILE = 'WenQuanYiMicroHei.ttf';
const fontBytes = new Map<string, Uint8Array>();

/**
 * A report font from fonts/ beside this module: core/report/fonts under tsx and in the CLI bundle (which keeps
 * each module's own URL), dist/main/fonts in the Electron bundle (build/esbuild.mjs copies the folder there).
 */
export function reportFontPath(file: string = FONT_FILE): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), 'fonts', file);
}

function loadFont(name: string): Uint8Array {
  const cached = fontBytes.get(name);
  if (cached) return cached;
  const file = reportFontPath(name);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new ReportPdfError(`${file}: cannot read the report font (it ships in core/report/fonts): ${ioErrorText(e)}`);
  }
  fontBytes.set(name, bytes);
  return bytes;
}

// A4 in points, margins, type sizes.
const PAGE: [number, number] = [595.28, 841.89];
const MARGIN_X = 50;
const TOP = PAGE[1] - 92; // below the header band
const BOTTOM = 64; // above the footer band
const WIDTH = PAGE[0] - 2 * MARGIN_X;
const BODY = 10;
const LEADING = 1.35;
const BLACK = rgb(0.1, 0.1, 0.1);
const GREY = rgb(0.4, 0.4, 0.4);
const RED = rgb(0.72, 0.05, 0.05);

/** Tabs and control characters as spaces (the font has no glyphs for them); line breaks kept for the wrapper. */
const printable = (text: string): string => text.replace(/\r\n?/g, '\n').replace(/[\t\u0000-\u0009\u000b-\u001f\u007f]/g, ' ');

/** A character as one PDF prints it: in which font, with which glyph code (hex) and advance width at size 1. */
interface Glyph {
  font: PDFFont;
  code: string;
  width: number;
}

/**
 * The fonts of one PDF in the order they are tried, character by character (the first with a glyph
 * prints it; one no font has prints as U+FFFD and is listed in `missing`). Widths and glyph codes are
 * cached per character: pdf-lib's widthOfTextAtSize and drawText lay out and shape every string on each
 * call, which made wrapping long findings take seconds. Characters are coded one by one, so no
 * ligatures (layout could only narrow a run, so the sum never understates a line) and the text
 * extracts exactly as written.
 */
class ReportFonts {
  private readonly coverages: Set<number>[];
  private readonly glyphs = new Map<string, Glyph>();
  /** Characters printed as the replacement because no font has them, in order of appearance. */
  readonly missing = new Set<string>();

  constructor(readonly fonts: readonly PDFFont[]) {
    this.coverages = fonts.map((font) => new Set(font.getCharacterSet()));
  }

  private glyph(ch: string): Glyph {
    let glyph = this.glyphs.get(ch);
    if (!glyph) {
      const printed = printedCharacter(this.coverages, ch);
      const font = this.fonts[printed.font];
      glyph = { font, code: font.encodeText(printed.char).asString(), width: font.widthOfTextAtSize(printed.char, 1000) / 1000 };
      this.glyphs.set(ch, glyph);
    }
    return glyph;
  }

  /** Width of `text` in points at `size`, each character in the font that prints it. */
  measure(text: string, size: number): number {
    let total = 0;
    for (const ch of text) total += this.glyph(ch).width;
    return total * size;
  }

  /** The text as runs of one font each, as hex glyph codes; characters no font has are noted as missing. */
  runs(text: string): { font: PDFFont; hex: string }[] {
    const { runs, missing } = fontRuns(this.coverages, text);
    for (const ch of missing) this.missing.add(ch);
    return runs.map((run) => {
      let hex = '';
      for (const ch of run.text) hex += this.glyph(ch).code;
      return { font: this.fonts[run.font], hex };
    });
  }
}

/** One line of text: one text object, the font switched between runs (the PDF advances by each font's own widths). */
const fontKeys = new WeakMap<PDFPage, Map<PDFFont, PDFName>>();
function drawText(page: PDFPage, text: string, opts: { x: number; y: number; size: number; fonts: ReportFonts; color: RGB }): void {
  let keys = fontKeys.get(page);
  if (!keys) fontKeys.set(page, (keys = new Map()));
  const operators = [pushGraphicsState(), beginText(), setFillingColor(opts.color), setTextMatrix(1, 0, 0, 1, opts.x, opts.y)];
  for (const run of opts.fonts.runs(text)) {
    let key = keys.get(run.font);
    if (!key) keys.set(run.font, (key = page.node.newFontDictionary(run.font.name, run.font.ref)));
    operators.push(setFontAndSize(key, opts.size), showText(PDFHexString.of(run.hex)));
  }
  page.pushOperators(...operators, endText(), popGraphicsState());
}

/** Splits text into lines no wider than `width` at `size`: at spaces, and inside a word too long for one line. */
function wrapText(text: string, fonts: ReportFonts, size: number, width: number): string[] {
  const lines: string[] = [];
  const space = fonts.measure(' ', size);
  for (const paragraph of printable(text).split('\n')) {
    let line = '';
    let lineWidth = 0;
    for (const word of paragraph.split(/ +/)) {
      const wordWidth = fonts.measure(word, size);
      const candidate = line ? lineWidth + space + wordWidth : wordWidth;
      if (candidate <= width) {
        line = line ? `${line} ${word}` : word;
        lineWidth = candidate;
        continue;
      }
      if (line) lines.push(line);
      let rest = word;
      let restWidth = wordWidth;
      while (restWidth > width) {
        // The longest head of the word that fits (at least one character).
        let cut = 0;
        let headWidth = 0;
        for (const ch of rest) {
          const w = fonts.measure(ch, size);
          if (cut > 0 && headWidth + w > width) break;
          headWidth += w;
          cut += ch.length;
        }
        lines.push(rest.slice(0, cut));
        rest = rest.slice(cut);
        restWidth -= headWidth;
      }
      line = rest;
      lineWidth = restWidth;
    }
    lines.push(line);
  }
  return lines;
}

/** An embedded image: its size in pixels and how to draw it into a box of a page. */
interface Drawable {
  width: number;
  height: number;
  draw(page: PDFPage, box: { x: number; y: number; width: number; height: number }): void;
}

/** A key image: its PNG stream passed through where the PDF can carry it as it is, else decoded by pdf-lib. */
async function embedKeyImage(doc: PDFDocument, png: Uint8Array): Promise<Drawable> {
  const direct = embedPngDirect(doc, png);
  if (direct) {
    return {
      width: direct.width,
      height: direct.height,
      draw: (page, box) => {
        const name = page.node.newXObject('Image', direct.ref);
        page.pushOperators(pushGraphicsState(), concatTransformationMatrix(box.width, 0, 0, box.height, box.x, box.y), drawObject(name), popGraphicsState());
      },
    };
  }
  const image = await doc.embedPng(png);
  return { width: image.width, height: image.height, draw: (page, box) => page.drawImage(image, box) };
}

/** Writes top to bottom, starting a page when the next piece does not fit. */
class Flow {
  readonly pages: PDFPage[] = [];
  private y = TOP;

  constructor(
    private readonly doc: PDFDocument,
    readonly fonts: ReportFonts,
  ) {
    this.newPage();
  }

  private get page(): PDFPage {
    return this.pages[this.pages.length - 1];
  }

  private newPage(): void {
    this.pages.push(this.doc.addPage(PAGE));
    this.y = TOP;
  }

  /** Room for `height` points, on a new page when this one lacks it. */
  ensure(height: number): void {
    if (this.y - height < BOTTOM && this.y < TOP) this.newPage();
  }

  space(points: number): void {
    this.y -= points;
  }

  heading(text: string): void {
    this.ensure(40); // a heading never ends a page alone
    this.space(8);
    this.line(text, { size: 13, color: BLACK });
    // The rule under the descenders (the baseline sits a quarter of the size above the line's bottom).
    this.page.drawLine({ start: { x: MARGIN_X, y: this.y - 1 }, end: { x: MARGIN_X + WIDTH, y: this.y - 1 }, thickness: 0.5, color: GREY });
    this.space(6);
  }

  /** Wrapped text; long text continues on the next pages. */
  paragraph(text: string, opts: { size?: number; color?: RGB; indent?: number } = {}): void {
    const size = opts.size ?? BODY;
    for (const line of wrapText(text, this.fonts, size, WIDTH - (opts.indent ?? 0))) this.line(line, { ...opts, size });
  }

  private line(text: string, opts: { size: number; color?: RGB; indent?: number }): void {
    const height = opts.size * LEADING;
    this.ensure(height);
    this.y -= height;
    if (text) drawText(this.page, text, { x: MARGIN_X + (opts.indent ?? 0), y: this.y + opts.size * 0.25, size: opts.size, fonts: this.fonts, color: opts.color ?? BLACK });
  }

  /** A table: a header row, then rows whose cells wrap; a row never splits across pages, the header repeats on each. */
  table(headers: string[], fractions: number[], rows: string[][]): void {
    const size = 9;
    const widths = fractions.map((f) => f * WIDTH);
    const cellLines = (cells: string[]) => cells.map((cell, i) => wrapText(cell, this.fonts, size, widths[i] - 6));
    const drawRow = (lines: string[][], color: RGB): void => {
      const height = Math.max(1, ...lines.map((l) => l.length)) * size * LEADING + 4;
      this.y -= height;
      let x = MARGIN_X;
      lines.forEach((cell, i) => {
        cell.forEach((text, k) => drawText(this.page, text, { x: x + 3, y: this.y + height - (k + 1) * size * LEADING + 1, size, fonts: this.fonts, color }));
        x += widths[i];
      });
      this.page.drawLine({ start: { x: MARGIN_X, y: this.y }, end: { x: MARGIN_X + WIDTH, y: this.y }, thickness: 0.3, color: GREY });
    };
    const header = cellLines(headers);
    const headerHeight = Math.max(...header.map((l) => l.length)) * size * LEADING + 4;
    this.ensure(headerHeight * 2);
    drawRow(header, GREY);
    for (const row of rows) {
      const lines = cellLines(row);
      const height = Math.max(1, ...lines.map((l) => l.length)) * size * LEADING + 4;
      const before = this.pages.length;
      this.ensure(height);
      if (this.pages.length !== before) drawRow(header, GREY);
      drawRow(lines, BLACK);
    }
    this.space(6);
  }

  /** Images two to a row, each scaled into its cell with its caption under it. */
  images(images: { image: Drawable; caption: string }[]): void {
    const gap = 16;
    const cell = (WIDTH - gap) / 2;
    const maxHeight = 220;
    for (let i = 0; i < images.length; i += 2) {
      const pair = images.slice(i, i + 2).map(({ image, caption }) => {
        const scale = Math.min(cell / image.width, maxHeight / image.height);
        return { image, w: image.width * scale, h: image.height * scale, caption: wrapText(caption, this.fonts, 8, cell) };
      });
      const height = Math.max(...pair.map((p) => p.h + p.caption.length * 8 * LEADING)) + 12;
      this.ensure(height);
      const top = this.y;
      pair.forEach((p, k) => {
        const x = MARGIN_X + k * (cell + gap);
        p.image.draw(this.page, { x, y: top - p.h, width: p.w, height: p.h });
        p.caption.forEach((text, n) => drawText(this.page, text, { x, y: top - p.h - (n + 1) * 8 * LEADING, size: 8, fonts: this.fonts, color: GREY }));
      });
      this.y = top - height;
    }
  }
}

/** The state line every page carries: state, signer and whether a later version replaced this one. */
export function stateLine(version: ReportDocument['version']): string {
  const signed = version.signature ? `signed by ${version.signature.signer} on ${version.signature.signedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}` : 'not signed';
  const state =
    version.state === 'draft' ? (version.edition > 1 ? `DRAFT AMENDMENT (edition ${version.edition})` : 'DRAFT') : version.state === 'final' ? 'FINAL' : `AMENDED (edition ${version.edition})`;
  const superseded = version.supersededBy !== null ? ` · SUPERSEDED by version ${version.supersededBy}` : '';
  return `${state} — ${signed} · version ${version.number}${superseded}`;
}

/**
 * Where an AI text came from, under it: the model and version, the image (slice, SOP instance) and the time it
 * answered, as the Report dock shows it (aiSourceLine); an item saved before sources were kept says so.
 */
function provenanceLine(item: AiItem): string {
  const model = `${item.model.name} ${item.model.version}`;
  const source = aiSourceLine(item.source);
  if (!source) return `From ${model} (image and time not recorded)`;
  const sop = item.source?.sopInstanceUid ? ` · SOP Instance ${item.source.sopInstanceUid}` : '';
  return `From ${model} · ${source}${sop}`;
}

const reviewLine = (item: AiItem): string | null =>
  item.status === 'ai-draft' ? null : `AI text (model ${item.model.name} ${item.model.version}) ${item.status === 'confirmed' ? 'confirmed' : 'edited'} by ${item.reviewedBy ?? 'unknown'}${item.reviewedAt ? ` on ${item.reviewedAt.slice(0, 10)}` : ''}`;

const fixed = (n: number, digits: number): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** One line no wider than `width`, cut with an ellipsis. */
function fitLine(text: string, fonts: ReportFonts, size: number, width: number): string {
  if (fonts.measure(text, size) <= width) return text;
  let cut = text.length;
  while (cut > 1 && fonts.measure(`${text.slice(0, cut)}…`, size) > width) cut--;
  return `${text.slice(0, cut)}…`;
}

function drawFrame(page: PDFPage, fonts: ReportFonts, doc: ReportDocument, index: number, count: number): void {
  const { header } = doc;
  const [w, h] = PAGE;
  const line1 = `${header.patientName || '(no patient name)'} · Patient ID ${header.patientId || '—'}`;
  const line2 = `Study ${header.studyDate || '—'} ${header.studyDescription || ''} · Accession ${header.accessionNumber || '—'}`.replace(/ +·/g, ' ·');
  drawText(page, fitLine(line1, fonts, 12, WIDTH), { x: MARGIN_X, y: h - 40, size: 12, fonts, color: BLACK });
  drawText(page, fitLine(line2, fonts, 9, WIDTH), { x: MARGIN_X, y: h - 56, size: 9, fonts, color: GREY });
  drawText(page, fitLine(stateLine(doc.version), fonts, 9, WIDTH), { x: MARGIN_X, y: h - 70, size: 9, fonts, color: doc.version.state === 'draft' || doc.version.supersededBy !== null ? RED : BLACK });
  page.drawLine({ start: { x: MARGIN_X, y: h - 78 }, end: { x: w - MARGIN_X, y: h - 78 }, thickness: 0.8, color: GREY });

  page.drawLine({ start: { x: MARGIN_X, y: 48 }, end: { x: w - MARGIN_X, y: 48 }, thickness: 0.5, color: GREY });
  const pageText = `Page ${index + 1} of ${count}`;
  const pageWidth = fonts.measure(pageText, 8);
  drawText(page, fitLine(stateLine(doc.version), fonts, 8, WIDTH - pageWidth - 12), { x: MARGIN_X, y: 36, size: 8, fonts, color: GREY });
  drawText(page, pageText, { x: w - MARGIN_X - pageWidth, y: 36, size: 8, fonts, color: GREY });
  drawText(page, fitLine(`Vesalius report · study ${header.studyKey} · generated ${doc.generatedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}`, fonts, 7, WIDTH), { x: MARGIN_X, y: 24, size: 7, fonts, color: GREY });
}

/** All the text a report prints (the key images' PNGs left out), to see whether it needs the fallback font. */
const documentText = (report: ReportDocument): string => JSON.stringify({ ...report, keyImages: report.keyImages.map((k) => k.caption) });

/** A rendered report: the PDF, and the characters no embedded font has (printed as U+FFFD), each once. */
export interface RenderedPdf {
  pdf: Uint8Array;
  missingCharacters: string[];
}

/** Renders the report; a key image that is not a PNG pdf-lib can read fails with a ReportPdfError naming it. */
export async function renderReportPdf(report: ReportDocument): Promise<Uint8Array> {
  return (await renderReport(report)).pdf;
}

/**
 * Renders the report and says which characters it could not print. The fallback font is embedded
 * (as a subset, like DejaVu Sans) only when some text needs it, so a Latin report carries one font.
 */
export async function renderReport(report: ReportDocument): Promise<RenderedPdf> {
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  const main = await doc.embedFont(loadFont(FONT_FILE), { subset: true });
  const embedded = [main];
  if (needsFallback(new Set(main.getCharacterSet()), documentText(report))) embedded.push(await doc.embedFont(loadFont(FALLBACK_FONT_FILE), { subset: true }));
  const fonts = new ReportFonts(embedded);
  doc.setTitle(`Report — ${report.header.patientName || report.header.patientId || report.header.studyKey}`);
  doc.setProducer('Vesalius');
  doc.setCreator('Vesalius');
  doc.setCreationDate(new Date(report.generatedAt));
  doc.setModificationDate(new Date(report.generatedAt));

  const flow = new Flow(doc, fonts);
  flow.heading('Findings');
  flow.paragraph(report.findings || '(none)');
  flow.heading('Impression');
  flow.paragraph(report.impression || '(none)');

  if (report.aiItems.length > 0) {
    flow.heading('Assistant texts');
    for (const item of report.aiItems) {
      flow.space(4);
      flow.paragraph(item.kind === 'caption' ? 'Image caption:' : `Question: ${item.question ?? ''}`, { color: GREY });
      // The notice sits right before the text it qualifies, so no page shows AI text without it.
      if (item.status === 'ai-draft') flow.paragraph(aiDraftNotice(item.model), { color: RED, size: 9, indent: 8 });
      flow.paragraph(item.text, { indent: 8 });
      flow.paragraph(provenanceLine(item), { color: GREY, size: 8, indent: 8 });
      const review = reviewLine(item);
      if (review) flow.paragraph(review, { color: GREY, size: 8, indent: 8 });
    }
  }

  if (report.keyImages.length > 0) {
    flow.heading('Key images');
    const embedded: { image: Drawable; caption: string }[] = [];
    for (const [i, key] of report.keyImages.entries()) {
      try {
        embedded.push({ image: await embedKeyImage(doc, key.png), caption: key.caption });
      } catch (e) {
        throw new ReportPdfError(`key image ${i + 1} (${key.caption}): not a PNG the PDF writer can read: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    flow.images(embedded);
  }
  if (report.measurements.length > 0) {
    flow.heading('Measurements');
    flow.table(['Label', 'Kind', 'Value', 'Image'], [0.3, 0.15, 0.2, 0.35], report.measurements.map((m) => [m.label || '—', m.kind, m.value, m.image]));
  }
  if (report.segments.length > 0) {
    flow.heading('Segment volumes and areas');
    flow.table(
      ['Segmentation', 'Segment', 'Volume (ml)', 'Area (mm²)', 'Voxels'],
      [0.3, 0.22, 0.16, 0.16, 0.16],
      report.segments.map((s) => [s.segmentation, s.segment, fixed(s.volumeMl, 2), s.areaMm2 === null ? '—' : fixed(s.areaMm2, 1), String(s.voxels)]),
    );
  }
  if (report.scores.length > 0) {
    flow.heading('Scores against ground truth');
    flow.table(['Truth', 'Prediction', 'Label', 'Metric', 'Value'], [0.25, 0.25, 0.2, 0.15, 0.15], report.scores.map((s) => [s.truth, s.prediction, s.label || '—', s.metric, s.value === null ? '—' : fixed(s.value, 3)]));
  }

  if (report.series.length > 0) {
    flow.heading('Series');
    flow.table(['Series', 'Modality', 'Description', 'Images'], [0.15, 0.15, 0.55, 0.15], report.series.map((s) => [s.number, s.modality || '—', s.description || '—', String(s.images)]));
  }

  flow.pages.forEach((page, i) => drawFrame(page, fonts, report, i, flow.pages.length));
  return { pdf: await doc.save({ useObjectStreams: true }), missingCharacters: [...fonts.missing] };
}
