// Regression tests for headers that once reached a person as JavaScript engine messages (issue 9):
// each defect as a generated file, with the exact outcome and reason.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import dicomParser from 'dicom-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePart10, newUid } from '../fixtures/dicom-writer';
import { CT_IMAGE_STORAGE } from '../fixtures/phantom';
import { MAX_SEQUENCE_DEPTH } from './fast-header';
import { inspectFile, type FileOutcome } from './inspect-file';
import { nestingTooDeepAt } from './nesting-depth';
import { collectFiles } from './walk';

const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const IMPLICIT_LE = '1.2.840.10008.1.2';
const ROWS = 4;
const COLUMNS = 4;

let workDir: string;
beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'vesalius-untrusted-'));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** An otherwise valid 4×4 CT slice; `overrides` replace (or add) its attributes. */
function ctSlice(overrides: Record<string, unknown>, transferSyntaxUid = EXPLICIT_LE): Buffer {
  const dataset = {
    SOPClassUID: CT_IMAGE_STORAGE,
    SOPInstanceUID: newUid(),
    StudyInstanceUID: newUid(),
    SeriesInstanceUID: newUid(),
    Modality: 'CT',
    PatientID: 'UNTRUSTED-1',
    SeriesNumber: 1,
    InstanceNumber: 1,
    ImagePositionPatient: [0, 0, 10],
    ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
    SliceLocation: 10,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: ROWS,
    Columns: COLUMNS,
    BitsAllocated: 16,
    BitsStored: 16,
    HighBit: 15,
    PixelRepresentation: 1,
    ...overrides,
  };
  return encodePart10(dataset, transferSyntaxUid, { frames: [new Uint8Array(ROWS * COLUMNS * 2)], vr: 'OW' });
}

async function inspectBytes(name: string, bytes: Uint8Array): Promise<FileOutcome> {
  const file = path.join(workDir, name);
  await writeFile(file, bytes);
  return inspectFile(file);
}

const instanceOf = (outcome: FileOutcome) => {
  if (outcome.kind !== 'instance') throw new Error(`expected an instance, got ${outcome.error.code}: ${outcome.error.reason}`);
  return outcome.record.instance;
};

/** Replaces the value bytes of one short-VR (2-byte length) explicit VR element, keeping the file's layout. */
function withRawValue(part10: Buffer, tag: string, value: string): Buffer {
  const element = dicomParser.parseDicom(part10, { untilTag: 'x7fe00010' }).elements[tag];
  if (!element) throw new Error(`no element ${tag}`);
  const padded = value.length % 2 ? `${value} ` : value;
  const before = part10.subarray(0, element.dataOffset - 2);
  const length = Buffer.alloc(2);
  length.writeUInt16LE(padded.length);
  return Buffer.concat([before, length, Buffer.from(padded, 'latin1'), part10.subarray(element.dataOffset + element.length)]);
}

/**
 * `depth` sequences nested one in another (each with one item, all of undefined length), encoded
 * explicit or implicit VR little endian, under (0040,0275) Request Attributes Sequence.
 */
function nestedSequences(depth: number, explicit: boolean): Buffer {
  const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n >>> 0);
    return b;
  };
  const tag = (group: number, element: number): Buffer => Buffer.from([group & 0xff, group >> 8, element & 0xff, element >> 8]);
  const open = Buffer.concat([
    tag(0x0040, 0x0275),
    explicit ? Buffer.from('SQ\0\0', 'latin1') : Buffer.alloc(0),
    u32(0xffffffff),
    tag(0xfffe, 0xe000),
    u32(0xffffffff),
  ]);
  const close = Buffer.concat([tag(0xfffe, 0xe00d), u32(0), tag(0xfffe, 0xe0dd), u32(0)]);
  return Buffer.concat([...Array<Buffer>(depth).fill(open), ...Array<Buffer>(depth).fill(close)]);
}

/** The file with `inserted` placed just before its Pixel Data element (tags stay ascending: (0040,…) < (7FE0,…)). */
function beforePixelData(part10: Buffer, inserted: Buffer, explicit: boolean): Buffer {
  const pixel = dicomParser.parseDicom(part10, { untilTag: 'x7fe00010' }).elements.x7fe00010;
  const at = pixel.dataOffset - (explicit ? 12 : 8);
  return Buffer.concat([part10.subarray(0, at), inserted, part10.subarray(at)]);
}

describe('numeric strings', () => {
  it('imports a CT whose Image Position (Patient) has 2 values, with the position unknown', async () => {
    const instance = instanceOf(await inspectBytes('ipp-2.dcm', ctSlice({ ImagePositionPatient: [0, 0] })));
    expect(instance.imagePositionPatient).toBeNull();
    expect(instance.imageOrientationPatient).toEqual([1, 0, 0, 0, 1, 0]);
  });

  it('reads position, orientation and slice location only when every value is a decimal string', async () => {
    const good = instanceOf(await inspectBytes('ipp-good.dcm', ctSlice({ ImagePositionPatient: [-1.5, 2e1, 10] })));
    expect(good.imagePositionPatient).toEqual([-1.5, 20, 10]);
    expect(good.sliceLocation).toBe(10);
    const junk = withRawValue(withRawValue(withRawValue(ctSlice({}), 'x00200032', '1.5abc\\2\\3'), 'x00200037', '1\\0\\0\\0\\1\\NaN'), 'x00201041', '12 mm');
    const instance = instanceOf(await inspectBytes('ds-junk.dcm', junk));
    expect([instance.imagePositionPatient, instance.imageOrientationPatient, instance.sliceLocation]).toEqual([null, null, null]);
    const extra = instanceOf(await inspectBytes('ipp-4.dcm', withRawValue(ctSlice({}), 'x00200032', '1\\2\\3\\4')));
    expect(extra.imagePositionPatient).toBeNull();
  });

  it('gives null for an Instance Number that is not an integer string', async () => {
    const instance = instanceOf(await inspectBytes('is-junk.dcm', withRawValue(ctSlice({}), 'x00200013', '7x')));
    expect(instance.instanceNumber).toBeNull();
  });

  it('refuses a Number of Frames that is not an integer string, naming the tag', async () => {
    const outcome = await inspectBytes('frames-junk.dcm', withRawValue(ctSlice({ NumberOfFrames: 1 }), 'x00280008', '1e3'));
    expect(outcome).toEqual({
      kind: 'error',
      error: { path: path.join(workDir, 'frames-junk.dcm'), code: 'malformed', reason: 'Number of Frames (0028,0008) "1e3" is not an integer string' },
    });
  });
});

describe('SOP Instance UID', () => {
  it.each([
    ['path', '../../etc/passwd'],
    ['markup', '<script>alert(1)</script>'],
    ['65 digits', `1.${'2'.repeat(63)}`],
  ])('refuses one that is not a UID (%s), naming (0008,0018)', async (name, uid) => {
    const outcome = await inspectBytes(`uid-${name}.dcm`, withRawValue(ctSlice({}), 'x00080018', uid));
    expect(outcome.kind === 'error' && outcome.error.code).toBe('malformed');
    expect(outcome.kind === 'error' && outcome.error.reason).toBe(
      `SOP Instance UID (0008,0018) ${JSON.stringify(uid.length > 40 ? `${uid.slice(0, 40)}…` : uid)} is not a UID (digits and dots, at most 64 characters)`,
    );
  });

  it('names (0002,0003) when the data set has none and the meta header holds one that is not a UID', async () => {
    const bytes = withRawValue(withRawValue(ctSlice({}), 'x00080018', ''), 'x00020003', '../x');
    const outcome = await inspectBytes('meta-uid.dcm', bytes);
    expect(outcome.kind === 'error' && [outcome.error.code, outcome.error.reason]).toEqual([
      'malformed',
      'Media Storage SOP Instance UID (0002,0003) "../x" is not a UID (digits and dots, at most 64 characters)',
    ]);
  });

  it('accepts a 64-character UID', async () => {
    const uid = `1.${'2'.repeat(62)}`;
    expect(instanceOf(await inspectBytes('uid-64.dcm', withRawValue(ctSlice({}), 'x00080018', uid))).sopInstanceUid).toBe(uid);
  });
});

describe('deep sequence nesting', () => {
  it('refuses 3,000 nested sequences (explicit VR) with the depth and byte offset, in bounded time', async () => {
    const base = ctSlice({});
    const bytes = beforePixelData(base, nestedSequences(3000, true), true);
    const started = performance.now();
    const outcome = await inspectBytes('nested-explicit.dcm', bytes);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(outcome.kind === 'error' && outcome.error.code).toBe('malformed');
    // Each level is 20 bytes (sequence header 12 + item header 8); the sequence too deep is level MAX + 1.
    const firstSequence = dicomParser.parseDicom(base, { untilTag: 'x7fe00010' }).elements.x7fe00010.dataOffset - 12;
    const offset = firstSequence + MAX_SEQUENCE_DEPTH * 20 + 12;
    expect(outcome.kind === 'error' && outcome.error.reason).toBe(`sequence nesting deeper than ${MAX_SEQUENCE_DEPTH} levels at byte offset ${offset}`);
  });

  it('still reads sequences nested to the limit', async () => {
    const bytes = beforePixelData(ctSlice({}), nestedSequences(MAX_SEQUENCE_DEPTH, true), true);
    expect(instanceOf(await inspectBytes('nested-limit.dcm', bytes)).rows).toBe(ROWS);
  });

  it('refuses 3,000 nested sequences (implicit VR, through dicom-parser) with a named reason, no engine message', async () => {
    const base = ctSlice({}, IMPLICIT_LE);
    const bytes = beforePixelData(base, nestedSequences(3000, false), false);
    const outcome = await inspectBytes('nested-implicit.dcm', bytes);
    expect(outcome.kind === 'error' && outcome.error.code).toBe('malformed');
    // Implicit VR: 16 bytes a level (sequence header 8 + item header 8).
    const firstSequence = dicomParser.parseDicom(base, { untilTag: 'x7fe00010' }).elements.x7fe00010.dataOffset - 8;
    const offset = firstSequence + MAX_SEQUENCE_DEPTH * 16 + 8;
    expect(outcome.kind === 'error' && outcome.error.reason).toBe(`sequence nesting deeper than ${MAX_SEQUENCE_DEPTH} levels at byte offset ${offset}`);
  });
});

describe('one depth limit in every transfer syntax', () => {
  it('refuses one level past the limit in implicit VR (dicom-parser would have read it) and reads the limit itself', async () => {
    const base = ctSlice({}, IMPLICIT_LE);
    const pastLimit = await inspectBytes('nested-65-implicit.dcm', beforePixelData(base, nestedSequences(MAX_SEQUENCE_DEPTH + 1, false), false));
    expect(pastLimit.kind === 'error' && pastLimit.error.reason).toMatch(new RegExp(`^sequence nesting deeper than ${MAX_SEQUENCE_DEPTH} levels at byte offset \\d+$`));
    const atLimit = await inspectBytes('nested-64-implicit.dcm', beforePixelData(base, nestedSequences(MAX_SEQUENCE_DEPTH, false), false));
    expect(instanceOf(atLimit).rows).toBe(ROWS);
  });
});

describe('parse failures', () => {
  it('say where the parse got to: the last element read and its byte offset', async () => {
    // Implicit VR (dicom-parser's path): a sequence whose second item is not an item tag.
    const base = ctSlice({}, IMPLICIT_LE);
    const badSequence = Buffer.from([
      0x40, 0x00, 0x75, 0x02, 16, 0, 0, 0, // (0040,0275), 16 bytes
      0xfe, 0xff, 0x00, 0xe0, 0, 0, 0, 0, // an empty item
      0x10, 0x00, 0x10, 0x00, 0, 0, 0, 0, // (0010,0010) where an item must be
    ]);
    const elements = dicomParser.parseDicom(base, { untilTag: 'x7fe00010' }).elements;
    const lastBefore = Object.values(elements).filter((e) => e.tag < 'x00400275' && !e.tag.startsWith('x0002')).at(-1);
    if (!lastBefore) throw new Error('no element before (0040,0275)');
    const label = `(${lastBefore.tag.slice(1, 5).toUpperCase()},${lastBefore.tag.slice(5).toUpperCase()})`;
    const outcome = await inspectBytes('bad-item.dcm', beforePixelData(base, badSequence, false));
    expect(outcome.kind === 'error' && outcome.error.code).toBe('malformed');
    expect(outcome.kind === 'error' && outcome.error.reason).toMatch(new RegExp(`^DICOM header cannot be parsed after element \\${label.slice(0, -1)}\\) at byte ${lastBefore.dataOffset}: `));
  });
});

describe('nestingTooDeepAt', () => {
  /** `depth` implicit VR sequences of defined length, each one item of defined length, then a short element after them all. */
  function definedLengthNesting(depth: number): Buffer {
    let inner = Buffer.from([0x10, 0x00, 0x10, 0x00, 2, 0, 0, 0, 0x41, 0x20]); // (0010,0010) "A "
    for (let i = 0; i < depth; i++) {
      const item = Buffer.concat([Buffer.from([0xfe, 0xff, 0x00, 0xe0]), Buffer.alloc(4), inner]);
      item.writeUInt32LE(inner.length, 4);
      const sequence = Buffer.concat([Buffer.from([0x40, 0x00, 0x75, 0x02]), Buffer.alloc(4), item]);
      sequence.writeUInt32LE(item.length, 4);
      inner = sequence;
    }
    return Buffer.concat([inner, Buffer.from([0x20, 0x00, 0x13, 0x00, 2, 0, 0, 0, 0x31, 0x20])]);
  }

  it('follows defined lengths: finds the level past the limit, and nothing at the limit', () => {
    expect(nestingTooDeepAt(definedLengthNesting(3), 0, false, 3)).toBeNull();
    expect(nestingTooDeepAt(definedLengthNesting(4), 0, false, 3)).toBe(3 * 16 + 8);
    expect(nestingTooDeepAt(definedLengthNesting(100), 0, false, 64)).toBe(64 * 16 + 8);
  });

  it('counts sibling sequences as one level, not nested', () => {
    const siblings = Buffer.concat(Array<Buffer>(10).fill(definedLengthNesting(2)));
    expect(nestingTooDeepAt(siblings, 0, false, 2)).toBeNull();
    expect(nestingTooDeepAt(nestedSequences(5, true), 0, true, 5)).toBeNull();
    expect(nestingTooDeepAt(Buffer.concat([nestedSequences(2, true), nestedSequences(2, true)]), 0, true, 2)).toBeNull();
  });
});

describe('missing inputs', () => {
  it('says "not found" once, in words, for an input that does not exist', async () => {
    const missing = path.join(workDir, 'no', 'such', 'path');
    const walked = await collectFiles([missing]);
    expect(walked).toEqual({ files: [], errors: [{ path: missing, code: 'unreadable', reason: 'cannot access: not found' }] });
    const inspected = await inspectFile(missing);
    expect(inspected).toEqual({ kind: 'error', error: { path: missing, code: 'unreadable', reason: 'cannot open: not found' } });
  });
});
