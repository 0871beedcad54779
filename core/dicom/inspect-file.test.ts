import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePart10, metaHeaderEnd, newUid } from '../fixtures/dicom-writer';
import { writePhantomSeries } from '../fixtures/phantom';
import { inspectFile, type FileOutcome } from './inspect-file';

let workDir: string;
const written = new Map<string, string>();

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'vesalius-inspect-'));
  for (const syntax of ['explicit-le', 'explicit-be', 'deflate'] as const) {
    const [file] = await writePhantomSeries(path.join(workDir, syntax), { slices: 1, rows: 48, columns: 48, transferSyntax: syntax });
    written.set(syntax, file);
  }
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

const codeOf = (outcome: FileOutcome): string => (outcome.kind === 'instance' ? 'instance' : outcome.error.code);

async function variant(name: string, bytes: Uint8Array): Promise<string> {
  const file = path.join(workDir, name);
  await writeFile(file, bytes);
  return file;
}

describe('inspectFile', () => {
  it('accepts bare data sets (no preamble, no meta) in explicit little and big endian', async () => {
    for (const syntax of ['explicit-le', 'explicit-be'] as const) {
      const part10 = await readFile(written.get(syntax) ?? '');
      const outcome = await inspectFile(await variant(`bare-${syntax}.dcm`, part10.subarray(metaHeaderEnd(part10))));
      expect(codeOf(outcome)).toBe('instance');
      if (outcome.kind === 'instance') {
        expect([outcome.record.instance.rows, outcome.record.instance.columns]).toEqual([48, 48]);
        expect(outcome.record.instance.imageOrientationPatient).toEqual([1, 0, 0, 0, 1, 0]);
      }
    }
  });

  it('rejects a binary file that merely starts like a data set', async () => {
    const bytes = new Uint8Array(4096).map((_, i) => (i * 131 + 7) % 256);
    bytes.set([0x08, 0x00, 0x05, 0x00, 0x43, 0x53, 0x0a, 0x00], 0);
    const outcome = await inspectFile(await variant('fake-start.bin', bytes));
    expect(codeOf(outcome)).toBe('not_dicom');
  });

  it('gives up on a large random file that starts like an implicit VR data set', async () => {
    let seed = 99;
    const bytes = new Uint8Array(3 * 2 ** 20).map(() => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 23);
    bytes.set([0x08, 0x00, 0x05, 0x00, 0x0a, 0x00, 0x00, 0x00], 0);
    const outcome = await inspectFile(await variant('random-implicit.bin', bytes), 4096);
    expect(codeOf(outcome)).toBe('not_dicom');
  });

  it('reports a deflated file cut short as truncated, even when read in small steps', async () => {
    const deflated = await readFile(written.get('deflate') ?? '');
    const cut = await variant('deflate-cut.dcm', deflated.subarray(0, deflated.length - 200));
    expect(codeOf(await inspectFile(cut))).toBe('truncated');
    expect(codeOf(await inspectFile(cut, 200))).toBe('truncated');
    expect(codeOf(await inspectFile(written.get('deflate') ?? '', 200))).toBe('instance');
  });

  it('names a data set encoded unlike its transfer syntax as malformed', async () => {
    // An implicit VR data set labelled explicit VR little endian.
    const implicitFile = (await writePhantomSeries(path.join(workDir, 'implicit'), { slices: 1, rows: 8, columns: 8, transferSyntax: 'implicit-le' }))[0];
    const relabelled = withMetaHeaderSaying(await readFile(implicitFile), '1.2.840.10008.1.2.1');
    const outcome = await inspectFile(await variant('mislabelled.dcm', relabelled));
    expect(codeOf(outcome)).toBe('malformed');
    expect(outcome.kind === 'error' && outcome.error.reason).toMatch(/not encoded as its transfer syntax/);
  });

  it('recognises a long non-image object from its meta header without reading it all', async () => {
    const report = encodePart10(
      {
        SOPClassUID: '1.2.840.10008.5.1.4.1.1.88.11',
        SOPInstanceUID: newUid(),
        StudyInstanceUID: newUid(),
        SeriesInstanceUID: newUid(),
        Modality: 'SR',
        TextValue: 'x'.repeat(60_000),
      },
      '1.2.840.10008.1.2.1',
    );
    const outcome = await inspectFile(await variant('long-report.dcm', report), 1024);
    expect(outcome).toEqual({ kind: 'error', error: expect.objectContaining({ code: 'not_an_image', reason: expect.stringContaining('Structured Report') }) });
  });

  it('reports a missing file as unreadable instead of throwing', async () => {
    const outcome = await inspectFile(path.join(workDir, 'gone.dcm'));
    expect(outcome.kind === 'error' && outcome.error.code).toBe('unreadable');
  });
});

/** The same data set bytes behind a fresh meta header that names another transfer syntax. */
function withMetaHeaderSaying(part10: Buffer, transferSyntaxUid: string): Buffer {
  const metaOnly = encodePart10({ SOPClassUID: '1.2.840.10008.5.1.4.1.1.2', SOPInstanceUID: newUid() }, transferSyntaxUid);
  return Buffer.concat([metaOnly.subarray(0, metaHeaderEnd(metaOnly)), part10.subarray(metaHeaderEnd(part10))]);
}
