import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelPng, niftiFile, rgbPng, segFile, type NiftiFixture } from '../masks/mask-fixtures';
import { MaskReadError } from '../masks/mask-error';
import { decodeGrayPng } from '../masks/png';
import { readMaskFile, type MaskSet } from '../masks/read-mask';
import { ReaderSandbox } from './reader-sandbox';
import { defaultReaderEntry } from './worker-entry';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every typed array in a value, by where it sits (path of keys), as bytes plus its type name. */
function typedArraysOf(value: unknown, at = '$', out = new Map<string, { type: string; bytes: Buffer }>()): Map<string, { type: string; bytes: Buffer }> {
  if (ArrayBuffer.isView(value)) {
    out.set(at, { type: (value as Uint8Array)[Symbol.toStringTag], bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength) });
  } else if (value instanceof Map) {
    for (const [k, v] of value) typedArraysOf(v, `${at}.get(${String(k)})`, out);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) typedArraysOf(v, `${at}.${k}`, out);
  }
  return out;
}

/** The value with each typed array replaced by its type and length (the bytes are compared on their own, fast). */
function shapeOf(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) return `${(value as Uint8Array)[Symbol.toStringTag]}(${(value as Uint8Array).length})`;
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, shapeOf(v)]));
  if (Array.isArray(value)) return value.map(shapeOf);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shapeOf(v)]));
  return value;
}

function expectSameMaskSet(sandboxed: MaskSet, inProcess: MaskSet): void {
  expect(shapeOf(sandboxed)).toEqual(shapeOf(inProcess));
  const a = typedArraysOf(sandboxed);
  const b = typedArraysOf(inProcess);
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [where, { type, bytes }] of b) {
    expect(a.get(where)?.type, where).toBe(type);
    expect(a.get(where)?.bytes.equals(bytes), `${where}: bytes differ`).toBe(true);
  }
}

const values = Array.from({ length: 4 * 3 * 5 }, (_, i) => (i * 7) % 5);
const niftiCases: Record<string, NiftiFixture> = {
  'u8.nii': { shape: [4, 3, 5], values, datatype: 'uint8' },
  'i16.nii.gz': { shape: [4, 3, 5], values, datatype: 'int16', gzip: true, spacingMm: [0.7, 0.7, 2.5] },
  'u16.nii': { shape: [4, 3, 5], values: values.map((v) => v * 1000), datatype: 'uint16' },
  'i32.nii': { shape: [4, 3, 5], values, datatype: 'int32' },
  'f32.nii.gz': { shape: [4, 3, 5], values, datatype: 'float32', gzip: true },
  'f64.nii': { shape: [4, 3, 5], values, datatype: 'float64', sclSlope: 2, sclInter: 1 },
  // Over 1 MiB inside a gunzipped file: transferred with the gunzip buffer it is a view of.
  'big.nii.gz': { shape: [128, 128, 80], values: Array.from({ length: 128 * 128 * 80 }, (_, i) => (i >> 10) % 7), datatype: 'uint8', gzip: true },
};

describe('ReaderSandbox: the same masks as the in-process readers, byte for byte', () => {
  let root: string;
  const sandbox = new ReaderSandbox();
  const files: string[] = [];
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'vesalius-sandbox-'));
    const write = async (name: string, bytes: Uint8Array): Promise<void> => {
      await writeFile(path.join(root, name), bytes);
      files.push(path.join(root, name));
    };
    await write('labels8.png', labelPng(5, 3, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 255]));
    await write('labels16.png', labelPng(3, 2, [0, 1, 300, 65535, 2, 0], 16));
    await write('gray-rgb.png', rgbPng(2, 1, [[7, 7, 7], [0, 0, 0]]));
    for (const [name, fixture] of Object.entries(niftiCases)) await write(name, niftiFile(fixture));
    await write(
      'overlap.dcm',
      segFile({
        type: 'BINARY',
        rows: 2,
        columns: 3,
        segments: [{ number: 1, label: 'liver' }, { number: 2, label: 'tumour' }],
        frames: [
          { segmentNumber: 1, zMm: 0, pixels: [1, 1, 0, 0, 1, 1] },
          { segmentNumber: 2, zMm: 0, pixels: [0, 1, 1, 0, 0, 0] },
          { segmentNumber: 1, zMm: 2, pixels: [0, 0, 0, 1, 1, 1] },
        ],
        referencedSeriesUid: '1.2.3',
        referencedSopInstanceUids: ['1.2.3.1', '1.2.3.2'],
      }),
    );
    await write(
      'labelmap16.dcm',
      segFile({
        type: 'LABELMAP',
        labelMapBits: 16,
        rows: 1,
        columns: 3,
        segments: [{ number: 4, label: 'kidney' }, { number: 300, label: 'cyst' }],
        frames: [{ segmentNumber: 0, zMm: 1, pixels: [4, 300, 0] }],
      }),
    );
  });
  afterAll(async () => {
    await sandbox.close();
    await rm(root, { recursive: true, force: true });
  });

  it('reads every generated PNG, NIfTI and SEG exactly as readMaskFile does', async () => {
    for (const file of files) expectSameMaskSet(await sandbox.readMask(file), await readMaskFile(file));
  });

  it('decodes a dataset image exactly as decodeGrayPng does', async () => {
    for (const name of ['labels8.png', 'labels16.png']) {
      const file = path.join(root, name);
      const sandboxed = await sandbox.readGrayPng(file, 'a dataset image');
      const inProcess = decodeGrayPng(await readFile(file), file, 'a dataset image');
      expect(sandboxed).toEqual(inProcess);
      expect(sandboxed.values.constructor).toBe(inProcess.values.constructor);
    }
  });

  it('refuses with the same MaskReadError as the in-process reader', async () => {
    await writeFile(path.join(root, 'text.png'), 'hello');
    await writeFile(path.join(root, 'colour.png'), rgbPng(1, 1, [[1, 2, 3]]));
    for (const name of ['text.png', 'colour.png', 'absent.nii']) {
      const file = path.join(root, name);
      const refusal = (read: Promise<MaskSet>): Promise<MaskReadError> =>
        read.then(
          () => {
            throw new Error(`${name} was expected to be refused`);
          },
          (e: unknown) => e as MaskReadError,
        );
      const inProcess = await refusal(readMaskFile(file));
      const sandboxed = await refusal(sandbox.readMask(file));
      expect(sandboxed).toBeInstanceOf(MaskReadError);
      expect(sandboxed.message).toBe(inProcess.message);
      expect(sandboxed.reason).toBe(inProcess.reason);
    }
    const colour = path.join(root, 'colour.png');
    await expect(sandbox.readGrayPng(colour, 'a dataset image')).rejects.toThrow(`${colour}: colour image with unequal channels at pixel (0, 0): RGB (1, 2, 3); a dataset image must be grayscale`);
  });

  it('names the file when its reader is stopped', async () => {
    const slow = new ReaderSandbox({ entry: fileURLToPath(new URL('./hostile-worker.fixture.ts', import.meta.url)), timeoutMs: 1 });
    try {
      // A 1 ms limit stops even a thread still starting: the refusal names the file and the limit.
      const file = path.join(root, 'big.nii.gz');
      await expect(slow.readMask(file)).rejects.toThrow(`${file}: reading stopped after 0.001 s (the time limit for one file)`);
    } finally {
      await slow.close();
    }
  });
});

describe('reader thread entry', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'vesalius-sandbox-entry-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('is the TypeScript source next to the pool when running from sources', () => {
    expect(defaultReaderEntry()).toBe(path.join(projectRoot, 'core', 'sandbox', 'readers-worker.ts'));
  });

  it('works bundled as CommonJS, as dist/workers/readers.cjs is for the Electron main process', async () => {
    const bundle = path.join(root, 'readers.cjs');
    await build({ entryPoints: [path.join(projectRoot, 'core', 'sandbox', 'readers-worker.ts')], outfile: bundle, bundle: true, format: 'cjs', platform: 'node', target: 'node20', logLevel: 'silent' });
    const mask = path.join(root, 'm.png');
    await writeFile(mask, labelPng(2, 1, [3, 0]));
    const bundled = new ReaderSandbox({ entry: bundle });
    try {
      expectSameMaskSet(await bundled.readMask(mask), await readMaskFile(mask));
    } finally {
      await bundled.close();
    }
  });

  it('an idle pool does not keep a node process alive: a script that reads one file and never closes exits by itself', async () => {
    const mask = path.join(root, 'idle.png');
    await writeFile(mask, labelPng(2, 2, [0, 1, 2, 3]));
    const script = [
      `const { ReaderSandbox } = await import(${JSON.stringify(pathToFileURL(path.join(projectRoot, 'core', 'sandbox', 'reader-sandbox.ts')).href)});`,
      'const sandbox = new ReaderSandbox();',
      `const mask = await sandbox.readMask(${JSON.stringify(mask)});`,
      'console.log(JSON.stringify(Array.from(mask.volume.data)));',
    ].join('\n');
    const tsx = pathToFileURL(path.join(projectRoot, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs')).href;
    const started = Date.now();
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], { timeout: 30_000, cwd: projectRoot });
    expect(stdout.trim()).toBe('[0,1,2,3]');
    // Exited on its own (execFile's timeout would have killed it with an error instead).
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
