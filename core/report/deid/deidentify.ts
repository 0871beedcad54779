// De-identifies one DICOM Part 10 file by PS3.15 Annex E, Basic Application Level Confidentiality
// Profile (profile-table.ts) and the options chosen, recursively through every sequence. Pure: bytes in,
// bytes out; the export's UID mapping, pseudonyms and date shifts live in the DeidSession.
//
// How the table's actions are carried out (the conformance statement, in short):
//   X remove · Z zero-length value · D a dummy valid for the VR (ANONYMIZED, 19000101, 000000, 0) ·
//   U the export's replacement UID · K keep · C clean: dates shifted by the patient's whole-day shift
//   (Modified Dates option), texts with the file's identifying strings cut out (names, IDs, institution).
//   Retain Full Dates keeps (K) every attribute Modified Dates would shift; the two exclude each other.
//   Compound actions, without per-IOD types: X/Z → Z, X/D, X/Z/D and Z/D → D (always conformant), and
//   X/Z/U* (reference sequences) → kept with their UIDs replaced.
//   Sequences: X removes; Z and X/Z empty the sequence (no items); a code sequence under D, Z/D, X/D or
//   X/Z/D gets one dummy code item (its codes may name a person or institution); every other sequence is
//   kept (a type 1 sequence stays present) and the profile is applied to each of its items.
// Beyond the table (PS3.15 E.1.1 note 4: handle by VR what a newer table may list): any other PN is
// emptied, any other DA/DT gets a dummy (or is shifted, or kept under Retain Full Dates), any other ST/LT/UT gets a dummy (or is cleaned).
// All private attributes go, Private Creators too, unless Retain Safe Private keeps one of
// safe-private.ts's. Whole overlay groups (60xx) go: their data and comments are X and the rest is
// meaningless without them. Group lengths go (they would be wrong). Patient's Name and Patient ID
// become the patient's pseudonym (Z allows a dummy; the pseudonym keeps an export's patients apart).
// The File Meta Information and preamble are written new (E.1.1 step 7); pixel data and every kept
// element are copied byte for byte; the transfer syntax stays.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import {
  ByteSink,
  DataSetFormatError,
  elementHeader,
  encodeText,
  itemDelimiter,
  itemHeader,
  parseDataSet,
  sequenceDelimiter,
  tagText,
  textElement,
  valueText,
  ValueTooLongError,
  type DataElement,
  type Syntax,
} from './element-codec';
import { metaElements } from '../../dicom/file-meta';
import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME } from '../../dicom/writer-identity';
import type { DeidSession, PatientPseudonym } from './deid-session';
import { BASIC_PROFILE_CODE, optionCodes, type DeidOption } from './method-codes';
import { profileRowOf, type BasicAction, type OptionAction, type TableOption } from './profile-table';
import { isSafePrivate } from './safe-private';

/** What was done to one file, by kind of action (elements at every nesting level). */
export interface DeidActionCounts {
  removed: number;
  emptied: number;
  dummied: number;
  pseudonymised: number;
  uidsReplaced: number;
  datesShifted: number;
  cleaned: number;
  sequencesEmptied: number;
  privateRemoved: number;
  privateKept: number;
  added: number;
}

export type DeidFlagCode = 'burned-in-annotation' | 'possible-burned-in-annotation';

export interface DeidFlag {
  code: DeidFlagCode;
  reason: string;
}

export interface DeidFileResult {
  bytes: Buffer;
  transferSyntaxUid: string;
  sopClassUid: string;
  /** The output's SOP Instance UID (the source's with Retain UIDs). */
  sopInstanceUid: string;
  actions: DeidActionCounts;
  flags: DeidFlag[];
}

/** Not a DICOM Part 10 file at all: reported and skipped. */
export class NotDicomError extends Error {}

/** A DICOM file that cannot be de-identified; the message says what is wrong and where. */
export class DeidError extends Error {}

const TAG = {
  patientName: 0x00100010,
  patientId: 0x00100020,
  issuerOfPatientId: 0x00100021,
  sopClassUid: 0x00080016,
  sopInstanceUid: 0x00080018,
  modality: 0x00080060,
  burnedInAnnotation: 0x00280301,
  patientIdentityRemoved: 0x00120062,
  deidentificationMethod: 0x00120063,
  deidentificationMethodCodes: 0x00120064,
  longitudinalTemporalInformationModified: 0x00280303,
  codeValue: 0x00080100,
  codingSchemeDesignator: 0x00080102,
  codeMeaning: 0x00080104,
} as const;

const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_BE = '1.2.840.10008.1.2.2';
const DEFLATED_LE = '1.2.840.10008.1.2.1.99';
/** An inflated data set larger than this is refused (a deflate bomb would otherwise fill memory). */
const MAX_INFLATED_BYTES = 1024 * 1024 * 1024;

const DUMMY_TEXT = 'ANONYMIZED';
/** A family name alone, written with its component separator (a PN without one is the retired form). */
const personName = (familyName: string): string => `${familyName}^`;
const DUMMY_BY_VR: Record<string, string> = { DA: '19000101', DT: '19000101000000', TM: '000000', DS: '0', IS: '0', AS: '000Y', UR: '' };
const TEXT_VRS: ReadonlySet<string> = new Set(['AE', 'CS', 'LO', 'LT', 'PN', 'SH', 'ST', 'UC', 'UT']);

const SECONDARY_CAPTURE_PREFIX = '1.2.840.10008.5.1.4.1.1.7';
const ULTRASOUND_CLASSES: ReadonlySet<string> = new Set(['1.2.840.10008.5.1.4.1.1.6.1', '1.2.840.10008.5.1.4.1.1.6.2', '1.2.840.10008.5.1.4.1.1.3.1']);

/** Options in the order their codes are written, after the Basic Profile. */
const OPTION_ORDER: readonly DeidOption[] = [
  'retain-safe-private',
  'retain-uids',
  'retain-device-identity',
  'retain-institution-identity',
  'retain-patient-characteristics',
  'retain-full-dates',
  'modified-dates',
  'clean-descriptions',
];
const TABLE_OPTIONS: readonly TableOption[] = ['retain-uids', 'retain-device-identity', 'retain-institution-identity', 'retain-patient-characteristics', 'retain-full-dates', 'modified-dates', 'clean-descriptions'];

interface FileContext {
  session: DeidSession;
  bytes: Uint8Array;
  patient: PatientPseudonym;
  actions: DeidActionCounts;
  /**
   * Identifying strings of this file, longest first, cut out of texts the profile cleans (null: none
   * found); undefined when no option cleans texts (a C then only comes from Modified Dates).
   */
  scrub: RegExp | null | undefined;
  outputSopInstanceUid: string | null;
}

type Decision =
  | { kind: 'copy' }
  | { kind: 'remove' }
  | { kind: 'value'; value: Uint8Array }
  | { kind: 'sequence'; items: 'keep' | 'none' | 'dummy-code' };

const emptyCounts = (): DeidActionCounts => ({
  removed: 0, emptied: 0, dummied: 0, pseudonymised: 0, uidsReplaced: 0, datesShifted: 0, cleaned: 0, sequencesEmptied: 0, privateRemoved: 0, privateKept: 0, added: 0,
});

interface MetaInfo {
  end: number;
  transferSyntaxUid: string;
  sopClassUid: string;
  sopInstanceUid: string;
}

/** The File Meta Information (explicit VR little endian, group 0002) after the preamble and "DICM". */
function readMeta(file: Uint8Array): MetaInfo {
  if (file.length < 132 || Buffer.from(file.buffer, file.byteOffset + 128, 4).toString('latin1') !== 'DICM') {
    throw new NotDicomError('not a DICOM Part 10 file (no "DICM" marker at byte 128)');
  }
  const values = new Map<number, string>();
  const walk = metaElements(file);
  let step = walk.next();
  for (; !step.done; step = walk.next()) {
    const { at, element, valueAt, length } = step.value;
    const tag = (0x00020000 | element) >>> 0;
    if (valueAt + length > file.length) throw new DeidError(`File Meta Information element ${tagText(tag)} at byte ${at} runs past the end of the file`);
    if (String.fromCharCode(file[at + 4], file[at + 5]) === 'UI') values.set(tag, Buffer.from(file.buffer, file.byteOffset + valueAt, length).toString('latin1').replace(/[\0 ]+$/, ''));
  }
  const at = step.value.end;
  const transferSyntaxUid = values.get(0x00020010);
  if (!transferSyntaxUid) throw new DeidError('the File Meta Information has no Transfer Syntax UID (0002,0010)');
  return { end: at, transferSyntaxUid, sopClassUid: values.get(0x00020002) ?? '', sopInstanceUid: values.get(0x00020003) ?? '' };
}

const syntaxOf = (uid: string): Syntax => ({ explicit: uid !== IMPLICIT_LE, littleEndian: uid !== EXPLICIT_BE });

interface ParsedFile {
  meta: MetaInfo;
  deflated: boolean;
  /** The bytes the elements' offsets point into: the file, or its inflated data set. */
  body: Uint8Array;
  syntax: Syntax;
  elements: DataElement[];
}

/** The file's meta information and data set as elements (a deflated data set inflated); throws NotDicomError or DeidError. */
function parseFile(file: Uint8Array): ParsedFile {
  const meta = readMeta(file);
  const deflated = meta.transferSyntaxUid === DEFLATED_LE;
  let body: Uint8Array = file;
  let start = meta.end;
  if (deflated) {
    try {
      body = inflateRawSync(file.subarray(meta.end), { maxOutputLength: MAX_INFLATED_BYTES });
    } catch (e) {
      const tooLarge = (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError;
      throw new DeidError(
        tooLarge
          ? `the deflated data set (from byte ${meta.end}) inflates to more than ${MAX_INFLATED_BYTES / 1024 / 1024} MiB; not de-identified`
          : `the deflated data set (from byte ${meta.end}) is damaged or cut short and cannot be inflated`,
      );
    }
    start = 0;
  }
  const syntax = syntaxOf(meta.transferSyntaxUid);
  try {
    return { meta, deflated, body, syntax, elements: parseDataSet(body, start, body.length, syntax) };
  } catch (e) {
    if (!(e instanceof DataSetFormatError)) throw e;
    const where = deflated ? `byte ${e.offset} of the inflated data set` : `byte ${e.offset}`;
    throw new DeidError(`${e.message} (at ${where})`);
  }
}

/** Whether the options keep texts that must be cleaned of identifying values (so every file's such values are gathered first). */
export const cleansTexts = (options: ReadonlySet<DeidOption>): boolean => options.has('clean-descriptions') || options.has('retain-patient-characteristics');

/**
 * Gathers a file's identifying values (names, IDs, institution, dates the profile removes) into the
 * session, so texts kept by Clean Descriptors are cleaned of every such value of the whole export, not
 * only of their own file's (a comment naming another patient of the export). Throws as deidentifyPart10 does.
 */
export function gatherIdentifying(file: Uint8Array, session: DeidSession): void {
  const { body, elements } = parseFile(file);
  session.addIdentifying(identifyingValues(body, elements, session.options));
}

/** De-identifies one Part 10 file with the session's options; throws NotDicomError or DeidError. */
export function deidentifyPart10(file: Uint8Array, session: DeidSession): DeidFileResult {
  const { meta, deflated, body, syntax, elements } = parseFile(file);

  const top = new Map(elements.map((e) => [e.tag, e]));
  const text = (tag: number): string => {
    const element = top.get(tag);
    return element && element.items === null ? valueText(body, element) : '';
  };
  const patientKey = text(TAG.patientId) ? `id:${text(TAG.patientId)}\u0000${text(TAG.issuerOfPatientId)}` : `name:${text(TAG.patientName)}`;
  const ctx: FileContext = { session, bytes: body, patient: session.patientFor(patientKey), actions: emptyCounts(), scrub: undefined, outputSopInstanceUid: null };
  if (cleansTexts(session.options)) {
    session.addIdentifying(identifyingValues(body, elements, session.options));
    ctx.scrub = session.identifyingPattern();
  }

  const sopClassUid = text(TAG.sopClassUid) || meta.sopClassUid;
  const flags = burnedInFlags(sopClassUid, text(TAG.modality), top.has(TAG.burnedInAnnotation) ? text(TAG.burnedInAnnotation) : null);

  const additions = additionsFor(session, syntax);
  ctx.actions.added = additions.length;
  let dataSet: ByteSink;
  try {
    dataSet = writeElements(elements, syntax, ctx, additions);
  } catch (e) {
    if (e instanceof ValueTooLongError) throw new DeidError(e.message);
    throw e;
  }

  const sopInstanceUid = ctx.outputSopInstanceUid ?? (session.options.has('retain-uids') || !meta.sopInstanceUid ? meta.sopInstanceUid : session.uidFor(meta.sopInstanceUid));
  const header = Buffer.alloc(132);
  header.write('DICM', 128, 'latin1');
  const fileMeta = metaHeader(meta.sopClassUid || sopClassUid, sopInstanceUid, meta.transferSyntaxUid);
  // One copy of the data set into the output (the chunks include the source's pixel data as it is).
  const bytes = deflated
    ? Buffer.concat([header, fileMeta, deflateRawSync(dataSet.toBuffer())])
    : Buffer.concat([header, fileMeta, ...dataSet.chunks], header.length + fileMeta.length + dataSet.length);
  return { bytes, transferSyntaxUid: meta.transferSyntaxUid, sopClassUid, sopInstanceUid, actions: ctx.actions, flags };
}

function burnedInFlags(sopClassUid: string, modality: string, burnedIn: string | null): DeidFlag[] {
  if (burnedIn?.toUpperCase() === 'YES') return [{ code: 'burned-in-annotation', reason: 'Burned In Annotation (0028,0301) is YES: the pixels show text that may identify the patient; pixel text is not cleaned' }];
  if (burnedIn !== null) return [];
  const kind = sopClassUid.startsWith(SECONDARY_CAPTURE_PREFIX) ? 'a secondary capture' : ULTRASOUND_CLASSES.has(sopClassUid) || modality === 'US' ? 'an ultrasound image' : null;
  if (!kind) return [];
  return [{ code: 'possible-burned-in-annotation', reason: `${kind} without Burned In Annotation (0028,0301): its pixels may show identifying text; pixel text is not cleaned` }];
}

/** The new File Meta Information: this de-identifier as its implementation (PS3.15 E.1.1 step 7). */
function metaHeader(sopClassUid: string, sopInstanceUid: string, transferSyntaxUid: string): Buffer {
  const syntax: Syntax = { explicit: true, littleEndian: true };
  const version = Buffer.concat([elementHeader(0x00020001, 'OB', 2, syntax), Buffer.from([0, 1])]);
  const rest = Buffer.concat([
    version,
    textElement(0x00020002, 'UI', sopClassUid, syntax),
    textElement(0x00020003, 'UI', sopInstanceUid, syntax),
    textElement(0x00020010, 'UI', transferSyntaxUid, syntax),
    textElement(0x00020012, 'UI', IMPLEMENTATION_CLASS_UID, syntax),
    textElement(0x00020013, 'SH', IMPLEMENTATION_VERSION_NAME, syntax),
  ]);
  const groupLength = Buffer.concat([elementHeader(0x00020000, 'UL', 4, syntax), Buffer.alloc(4)]);
  groupLength.writeUInt32LE(rest.length, 8);
  return Buffer.concat([groupLength, rest]);
}

/** The code a D code sequence gets: a local scheme (99…, PS3.16 8.2) that names nobody. */
const DUMMY_CODE = { value: 'ANONYMIZED', scheme: '99VESALIUS', meaning: 'ANONYMIZED' };

/** A code item's elements (Code Value, Coding Scheme Designator, Code Meaning). */
function codeItem(code: { value: string; scheme: string; meaning: string }, syntax: Syntax): Buffer {
  return Buffer.concat([
    textElement(TAG.codeValue, 'SH', code.value, syntax),
    textElement(TAG.codingSchemeDesignator, 'SH', code.scheme, syntax),
    textElement(TAG.codeMeaning, 'LO', code.meaning, syntax),
  ]);
}

/** The added elements depend only on the options and the syntax: made once per session and syntax. */
const additionsMade = new WeakMap<DeidSession, Map<string, Array<{ tag: number; bytes: Uint8Array }>>>();
function additionsFor(session: DeidSession, syntax: Syntax): Array<{ tag: number; bytes: Uint8Array }> {
  let bySyntax = additionsMade.get(session);
  if (!bySyntax) additionsMade.set(session, (bySyntax = new Map()));
  const key = `${syntax.explicit}|${syntax.littleEndian}`;
  let additions = bySyntax.get(key);
  if (!additions) bySyntax.set(key, (additions = addedElements(session.options, syntax)));
  return additions;
}

/** Patient Identity Removed, De-identification Method (+ Code Sequence, CID 7050) and Longitudinal Temporal Information Modified, by tag. */
function addedElements(options: ReadonlySet<DeidOption>, syntax: Syntax): Array<{ tag: number; bytes: Uint8Array }> {
  const used = OPTION_ORDER.filter((o) => options.has(o));
  const codes = [BASIC_PROFILE_CODE, ...used.map((o) => optionCodes[o])];
  const items = new ByteSink();
  for (const code of codes) {
    const item = codeItem({ ...code, scheme: 'DCM' }, syntax);
    items.push(itemHeader(item.length, syntax));
    items.push(item);
  }
  const codeSequence = Buffer.concat([elementHeader(TAG.deidentificationMethodCodes, 'SQ', items.length, syntax), items.toBuffer()]);
  const method = ['Vesalius deidentify', ...codes.map((c) => c.meaning)].join('\\');
  return [
    { tag: TAG.patientIdentityRemoved, bytes: textElement(TAG.patientIdentityRemoved, 'CS', 'YES', syntax) },
    { tag: TAG.deidentificationMethod, bytes: textElement(TAG.deidentificationMethod, 'LO', method, syntax) },
    { tag: TAG.deidentificationMethodCodes, bytes: codeSequence },
    {
      tag: TAG.longitudinalTemporalInformationModified,
      bytes: textElement(TAG.longitudinalTemporalInformationModified, 'CS', options.has('modified-dates') ? 'MODIFIED' : options.has('retain-full-dates') ? 'UNMODIFIED' : 'REMOVED', syntax),
    },
  ];
}

/**
 * Writes a data set (or an item's) with the profile applied. `topAdditions` (the top level's, tag order)
 * are inserted where their tags belong, replacing any element of the same tag.
 */
function writeElements(elements: DataElement[], syntax: Syntax, ctx: FileContext, topAdditions: Array<{ tag: number; bytes: Uint8Array }> | null = null): ByteSink {
  const out = new ByteSink();
  const topLevel = topAdditions !== null;
  const additions = topAdditions ?? [];
  const privateKept = privateElementsKept(elements, ctx);
  let next = 0;
  for (const element of elements) {
    while (next < additions.length && additions[next].tag < element.tag) out.push(additions[next++].bytes);
    if (next < additions.length && additions[next].tag === element.tag) {
      out.push(additions[next++].bytes);
      continue;
    }
    const decision = (element.tag >>> 16) & 1 ? privateDecision(element, privateKept, ctx) : decide(element, ctx, topLevel);
    switch (decision.kind) {
      case 'copy':
        out.push(ctx.bytes.subarray(element.start, element.end));
        break;
      case 'remove':
        break;
      case 'value':
        out.push(elementHeader(element.tag, element.vr, decision.value.length, syntax));
        out.push(decision.value);
        break;
      case 'sequence':
        out.append(writeSequence(element, decision.items, syntax, ctx));
        break;
    }
  }
  while (next < additions.length) out.push(additions[next++].bytes);
  return out;
}

function writeSequence(element: DataElement, items: 'keep' | 'none' | 'dummy-code', syntax: Syntax, ctx: FileContext): ByteSink {
  const inner = element.itemSyntax;
  const content = new ByteSink();
  if (items === 'dummy-code') {
    const item = codeItem(DUMMY_CODE, inner);
    content.push(itemHeader(item.length, inner));
    content.push(item);
  }
  if (items === 'keep') {
    for (const item of element.items ?? []) {
      const itemContent = writeElements(item.elements, inner, ctx);
      content.push(itemHeader(item.undefinedLength ? null : itemContent.length, inner));
      content.append(itemContent);
      if (item.undefinedLength) content.push(itemDelimiter(inner));
    }
  }
  if (element.undefinedLength) content.push(sequenceDelimiter(inner));
  const out = new ByteSink();
  out.push(elementHeader(element.tag, element.vr ?? 'SQ', element.undefinedLength ? null : content.length, syntax));
  out.append(content);
  return out;
}

/** Private elements (and their creators) kept under Retain Safe Private, by tag; empty otherwise. */
function privateElementsKept(elements: DataElement[], ctx: FileContext): Set<number> {
  const kept = new Set<number>();
  if (!ctx.session.options.has('retain-safe-private')) return kept;
  const creators = new Map<number, string>();
  for (const e of elements) {
    const element = e.tag & 0xffff;
    if ((e.tag >>> 16) & 1 && element >= 0x0010 && element <= 0x00ff && e.items === null) creators.set(e.tag, valueText(ctx.bytes, e));
  }
  for (const e of elements) {
    const group = e.tag >>> 16;
    const element = e.tag & 0xffff;
    if (!(group & 1) || element < 0x1000) continue;
    const creatorTag = ((group << 16) | (element >>> 8)) >>> 0;
    const creator = creators.get(creatorTag);
    if (creator !== undefined && isSafePrivate(group, creator, element & 0xff)) {
      kept.add(e.tag);
      kept.add(creatorTag);
    }
  }
  return kept;
}

function privateDecision(element: DataElement, kept: Set<number>, ctx: FileContext): Decision {
  if (kept.has(element.tag)) {
    ctx.actions.privateKept++;
    return { kind: 'copy' };
  }
  ctx.actions.privateRemoved++;
  return { kind: 'remove' };
}

/** The action for an element: its row's Basic Profile action unless an option chosen overrides it. */
function actionOf(tag: number, vr: string | null, options: ReadonlySet<DeidOption>): BasicAction | OptionAction {
  const row = profileRowOf(tag);
  if (row) {
    for (const option of TABLE_OPTIONS) {
      const override = row.options[option];
      if (override && options.has(option)) return override;
    }
    return row.basic;
  }
  // Not in the table: handled by VR (see the header comment).
  if (vr === 'PN') return 'Z';
  if (vr === 'DA' || vr === 'DT') return options.has('retain-full-dates') ? 'K' : options.has('modified-dates') ? 'C' : 'D';
  if (vr === 'ST' || vr === 'LT' || vr === 'UT') return options.has('clean-descriptions') ? 'C' : 'D';
  return 'K';
}

const isOverlayGroup = (group: number): boolean => group >= 0x6000 && group <= 0x601e && group % 2 === 0;

function decide(element: DataElement, ctx: FileContext, topLevel: boolean): Decision {
  const { tag } = element;
  const group = tag >>> 16;
  if ((tag & 0xffff) === 0 || isOverlayGroup(group) || group === 0x0002) {
    ctx.actions.removed++;
    return { kind: 'remove' };
  }
  const options = ctx.session.options;
  const action = actionOf(tag, element.vr, options);
  if (element.items !== null) {
    if (action === 'X') {
      ctx.actions.removed++;
      return { kind: 'remove' };
    }
    if (action === 'Z' || action === 'X/Z') {
      ctx.actions.sequencesEmptied++;
      return { kind: 'sequence', items: 'none' };
    }
    const dummyCode = (action === 'D' || action === 'Z/D' || action === 'X/D' || action === 'X/Z/D') && profileRowOf(tag)?.name.endsWith('Code Sequence');
    if (dummyCode) ctx.actions.dummied++;
    return { kind: 'sequence', items: dummyCode ? 'dummy-code' : 'keep' };
  }
  if ((tag === TAG.patientName || tag === TAG.patientId) && action !== 'K') {
    ctx.actions.pseudonymised++;
    return { kind: 'value', value: encodeText(element.vr === 'PN' ? personName(ctx.patient.pseudonym) : ctx.patient.pseudonym, element.vr) };
  }
  switch (action) {
    case 'K':
      return { kind: 'copy' };
    case 'X':
      ctx.actions.removed++;
      return { kind: 'remove' };
    case 'Z':
    case 'X/Z':
      ctx.actions.emptied++;
      return { kind: 'value', value: new Uint8Array(0) };
    case 'D':
    case 'X/D':
    case 'X/Z/D':
    case 'Z/D':
      ctx.actions.dummied++;
      return { kind: 'value', value: dummyOf(element, ctx) };
    case 'U':
    case 'X/Z/U*': {
      const value = replaceUids(element, ctx);
      if (topLevel && tag === TAG.sopInstanceUid) ctx.outputSopInstanceUid = Buffer.from(value).toString('latin1').replace(/[\0 ]+$/, '');
      return { kind: 'value', value };
    }
    case 'C':
      return { kind: 'value', value: cleaned(element, ctx) };
  }
}

function dummyOf(element: DataElement, ctx: FileContext): Uint8Array {
  const vr = element.vr;
  if (vr === 'UI') return replaceUids(element, ctx);
  if (vr === 'PN') return encodeText(personName(DUMMY_TEXT), vr);
  if (vr !== null && TEXT_VRS.has(vr)) return encodeText(DUMMY_TEXT, vr);
  if (vr !== null && vr in DUMMY_BY_VR) return encodeText(DUMMY_BY_VR[vr], vr);
  // Binary or unknown VR: the same number of bytes, all zero.
  return new Uint8Array(element.valueLength);
}

function replaceUids(element: DataElement, ctx: FileContext): Uint8Array {
  const values = valueText(ctx.bytes, element).split('\\').map((uid) => uid.trim());
  const replaced = values.map((uid) => (uid ? ctx.session.uidFor(uid) : uid));
  ctx.actions.uidsReplaced += values.filter(Boolean).length;
  return encodeText(replaced.join('\\'), 'UI');
}

function cleaned(element: DataElement, ctx: FileContext): Uint8Array {
  const vr = element.vr;
  const text = valueText(ctx.bytes, element);
  if (vr === 'DA' || vr === 'DT' || vr === 'TM') {
    if (!ctx.session.options.has('modified-dates')) {
      ctx.actions.dummied++;
      return dummyOf(element, ctx);
    }
    ctx.actions.datesShifted++;
    return encodeText(text.split('\\').map((v) => shiftDate(v.trim(), vr, ctx.patient.dayShift)).join('\\'), vr);
  }
  // Modified Dates cleans a few attributes that are not dates (Timezone Offset From UTC, Frame Origin Timestamp): they get the dummy.
  if (ctx.scrub === undefined || vr === null || !TEXT_VRS.has(vr)) {
    ctx.actions.dummied++;
    return dummyOf(element, ctx);
  }
  ctx.actions.cleaned++;
  const scrubbed = ctx.scrub ? text.replace(ctx.scrub, '').replace(/ {2,}/g, ' ').trim() : text;
  return encodeText(scrubbed, vr);
}

/** A DA or DT value moved by whole days (the time of day and offset kept); TM stays; an unreadable date becomes the dummy. */
export function shiftDate(value: string, vr: 'DA' | 'DT' | 'TM', days: number): string {
  if (vr === 'TM' || value === '') return value;
  const match = /^(\d{4})(\d{2})(\d{2})(.*)$/.exec(value);
  if (!match || (vr === 'DA' && match[4] !== '')) return DUMMY_BY_VR[vr];
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + days));
  if (Number.isNaN(date.getTime())) return DUMMY_BY_VR[vr];
  const shifted = `${String(date.getUTCFullYear()).padStart(4, '0')}${String(date.getUTCMonth() + 1).padStart(2, '0')}${String(date.getUTCDate()).padStart(2, '0')}`;
  return shifted + match[4];
}

/** Values the profile removes or replaces in this file (names, IDs, institution, dates): what cleaned texts must not keep. */
function identifyingValues(bytes: Uint8Array, elements: DataElement[], options: ReadonlySet<DeidOption>): Set<string> {
  const found = new Set<string>();
  const visit = (list: DataElement[]): void => {
    for (const e of list) {
      if (e.items) {
        for (const item of e.items) visit(item.elements);
        continue;
      }
      const action = actionOf(e.tag, e.vr, options);
      const removed = action !== 'K' && action !== 'C' && action !== 'U';
      const identifying = e.vr === 'PN' || (removed && profileRowOf(e.tag) !== undefined && (e.vr === 'LO' || e.vr === 'SH' || e.vr === 'DA'));
      if (!identifying) continue;
      for (const part of valueText(bytes, e).split(/[\\^=]/)) {
        const trimmed = part.trim();
        if (trimmed.length >= 3) found.add(trimmed);
      }
    }
  };
  visit(elements);
  return found;
}
