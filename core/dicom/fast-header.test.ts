import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import dicomParser, { type DataSet, type Element } from 'dicom-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataDirMissingMessage, resolveDataDir } from '../config/data-dir';
import { writeImportCorpus } from '../fixtures/corpus';
import { seededRandom } from '../metrics/test-volumes';
import { parseHeaderFast } from './fast-header';
import { listRegularFiles } from './test-helpers';

const outcome = (read: () => unknown): unknown => {
  try {
    return { value: read() };
  } catch (e) {
    return { threw: e instanceof Error ? e.name : typeof e };
  }
};

/** What the index relies on from an element. */
const shape = (e: Element) => ({ tag: e.tag, vr: e.vr, length: e.length, dataOffset: e.dataOffset, hadUndefinedLength: e.hadUndefinedLength ?? false });

function itemsShape(e: Element): unknown {
  return (e.items ?? []).map((item) => ({
    tag: item.tag,
    length: item.length,
    dataOffset: item.dataOffset,
    elements: Object.keys(item.dataSet?.elements ?? {}).sort(),
  }));
}

/**
 * Whenever the fast path answers, dicom-parser must parse the same bytes without an error into the
 * same top-level elements (and the same sequence items). Returns whether the fast path answered.
 */
function agreesWithDicomParser(bytes: Buffer, where: string): boolean {
  const fast = parseHeaderFast(bytes);
  if (!fast) return false;
  let reference: DataSet;
  try {
    reference = dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010' });
  } catch (e) {
    throw new Error(`${where}: the fast path parsed what dicom-parser refuses (${JSON.stringify(e instanceof Error ? e.message : e).slice(0, 200)})`);
  }
  const ours = fast.dataSet.elements;
  expect(Object.keys(ours).sort(), where).toEqual(Object.keys(reference.elements).sort());
  for (const [tag, element] of Object.entries(reference.elements)) {
    expect(shape(ours[tag]), `${where} ${tag}`).toEqual(shape(element));
    if (element.vr === 'SQ') expect(itemsShape(ours[tag]), `${where} ${tag} items`).toEqual(itemsShape(element));
  }
  expect(fast.pixelElement).toBe(ours.x7fe00010);
  // The accessors read the same values, or fail alike (ours decode natively): from the element
  // numbers of a fresh parse (before `elements` is first read) and from the elements made since.
  const same = (what: string, read: (d: DataSet) => unknown): void => {
    const expected = outcome(() => read(reference));
    expect(outcome(() => read(parseHeaderFast(bytes)!.dataSet)), `${where} ${what} (fresh)`).toEqual(expected);
    expect(outcome(() => read(fast.dataSet)), `${where} ${what}`).toEqual(expected);
  };
  for (const tag of ['x00020010', 'x00020003', 'x00080016', 'x00080018', 'x0020000d', 'x0020000e', 'x00100010', 'x00080060', 'x0008103e', 'x00280004', 'x7fe00010', 'x0020000D', 'xnotatag']) {
    same(tag, (d) => d.string(tag));
    same(`${tag}[1]`, (d) => d.string(tag, 1));
  }
  for (const i of [0, 1, 2, 3]) same(`x00200032[${i}]`, (d) => d.floatString('x00200032', i));
  for (const i of [0, 5, 6]) same(`x00200037[${i}]`, (d) => d.floatString('x00200037', i));
  same('x00201041', (d) => d.floatString('x00201041'));
  for (const tag of ['x00200013', 'x00280008', 'x00200011', 'x00100010']) same(tag, (d) => d.intString(tag));
  for (const tag of ['x00280010', 'x00280011', 'x00280100', 'x00280002', 'x00020001', 'x00080016']) {
    same(tag, (d) => d.uint16(tag));
    same(`${tag}[1]`, (d) => d.uint16(tag, 1));
  }
  return true;
}

const PREFIXES = [16384, 8192, 4096, 2048, 1024, 512, 200];

function checkFile(bytes: Buffer, name: string): { fast: number; tried: number } {
  let fast = 0;
  let tried = 0;
  for (const cut of [bytes.length, ...PREFIXES.filter((p) => p < bytes.length)]) {
    tried++;
    if (agreesWithDicomParser(bytes.subarray(0, cut), `${name} (first ${cut} bytes)`)) fast++;
  }
  return { fast, tried };
}

/** Single-byte changes in the header region: the fast path must still never disagree. */
function checkMutations(bytes: Buffer, name: string, count: number, seed: number): number {
  const random = seededRandom(seed);
  const headerEnd = Math.min(bytes.length, 6000);
  let fast = 0;
  for (let i = 0; i < count; i++) {
    const copy = Buffer.from(bytes.subarray(0, Math.min(bytes.length, 16384)));
    const at = 132 + Math.floor(random() * (headerEnd - 132));
    copy[at] = Math.floor(random() * 256);
    if (agreesWithDicomParser(copy, `${name} with byte ${at} = ${copy[at]}`)) fast++;
  }
  return fast;
}

describe('parseHeaderFast on generated files', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'vesalius-fast-header-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('agrees with dicom-parser on every file of the import corpus, whole and cut short, and on mutated headers', async () => {
    await writeImportCorpus(root, { rows: 16, slices: 2 });
    const files = await listRegularFiles(root);
    let fast = 0;
    for (const file of files) {
      const bytes = await readFile(file);
      fast += checkFile(bytes, path.relative(root, file)).fast;
      fast += checkMutations(bytes, path.relative(root, file), 20, files.indexOf(file) + 1);
    }
    // The explicit little-endian images take the fast path (the others go to dicom-parser).
    expect(fast).toBeGreaterThan(0);
  });

  it('gives up on implicit VR, big endian and deflated data sets, and on bytes that are not Part 10', async () => {
    expect(parseHeaderFast(Buffer.alloc(400))).toBeNull();
    expect(parseHeaderFast(Buffer.from('not dicom at all'))).toBeNull();
  });
});

const dataDir = resolveDataDir();

describe.skipIf(!dataDir)('parseHeaderFast on every file under <dataDir>/dicom', () => {
  it('agrees with dicom-parser wherever it answers, and answers for the real CT series', async () => {
    if (!dataDir) throw new Error(dataDirMissingMessage());
    const files = (await listRegularFiles(path.join(dataDir, 'dicom'))).sort();
    let fast = 0;
    let tried = 0;
    for (const [i, file] of files.entries()) {
      const bytes = await readFile(file);
      const result = checkFile(bytes, path.relative(dataDir, file));
      fast += result.fast;
      tried += result.tried;
      if (i % 8 === 0) fast += checkMutations(bytes, path.relative(dataDir, file), 10, i + 1);
    }
    const ctFiles = files.filter((f) => f.includes(`${path.sep}ct-series-totalseg${path.sep}`));
    for (const file of ctFiles) expect(parseHeaderFast((await readFile(file)).subarray(0, 16384)), file).not.toBeNull();
    expect(fast).toBeGreaterThan(0);
    expect(tried).toBeGreaterThan(files.length);
  }, 120_000);
});
