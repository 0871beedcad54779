// Annotation store: saving a 512×512×100 segmentation version (target ≤ 200 ms) and a one-slice edit on it
// (target ≤ 10 ms), each against writing the raw uncompressed volume to a file in the same run.
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { packBits } from '../core/annotations/bits';
import type { SegmentationContent } from '../core/annotations/model';
import { AnnotationStore, sliceEdit } from '../core/store/annotation-store';

const SHAPE = [512, 512, 100] as const;
const SAVE_TARGET_MS = 200;
const EDIT_TARGET_MS = 10;
const ROUNDS = 5;

/** Two organ-like segments: an ellipse per slice whose size follows the slice, as a drawn lung and nodule would. */
function organContent(seed: number): SegmentationContent {
  const [w, h, d] = SHAPE;
  const lung = new Uint8Array(w * h * d);
  const nodule = new Uint8Array(w * h * d);
  for (let z = 10; z < 90; z++) {
    const rx = 120 + 40 * Math.sin((z + seed) / 15);
    const ry = 90 + 30 * Math.cos((z + seed) / 20);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = x + w * (y + h * z);
        if (((x - 256) / rx) ** 2 + ((y - 250) / ry) ** 2 <= 1) lung[i] = 1;
        if (z > 40 && z < 60 && (x - 300) ** 2 + (y - 240) ** 2 <= 15 ** 2) nodule[i] = 1;
      }
    }
  }
  return {
    shape: SHAPE,
    segments: [
      { number: 1, label: 'lung', color: [230, 25, 75] },
      { number: 2, label: 'nodule', color: [60, 180, 75] },
    ],
    masks: new Map([
      [1, lung],
      [2, nodule],
    ]),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/** The raw label volume (one byte a voxel) written and fsync'd, like a commit: the baseline. */
function writeRaw(file: string, bytes: Uint8Array, sync: boolean): void {
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, bytes);
    if (sync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vesalius-store-bench-'));
  try {
    const store = AnnotationStore.open(path.join(dir, 'annotations.db'));
    const first = organContent(0);
    const created = store.create({ seriesKey: '1.2.3.4', name: 'bench', provenance: { role: 'annotator', author: 'bench', origin: { kind: 'drawn' } }, content: first });
    if (!created.ok) throw new Error(created.error.message);
    const id = created.value.id;
    let head = 1;

    // Label map of the same volume: what "the raw uncompressed volume" is.
    const raw = new Uint8Array(SHAPE[0] * SHAPE[1] * SHAPE[2]);
    for (const [number, mask] of first.masks) for (let i = 0; i < mask.length; i++) if (mask[i]) raw[i] = number;
    const rawFile = path.join(dir, 'raw.bin');

    const saves: number[] = [];
    const edits: number[] = [];
    const rawSynced: number[] = [];
    const rawPlain: number[] = [];
    const slice = new Uint8Array(SHAPE[0] * SHAPE[1]);
    for (let round = 0; round < ROUNDS; round++) {
      const content = organContent(round + 1); // every slice differs from the last version's
      saves.push(time(() => {
        const saved = store.saveContent(id, content, { expectedHead: head, author: 'bench' });
        if (!saved.ok) throw new Error(saved.error.message);
        head = saved.value.head.number;
      }));
      for (let i = 0; i < slice.length; i++) slice[i] = ((i >> 9) - 200) ** 2 + ((i & 511) - 200 - round) ** 2 < 60 ** 2 ? 1 : 0;
      edits.push(time(() => {
        const saved = store.saveEdits(id, [sliceEdit(1, 50, slice)], { expectedHead: head, author: 'bench' });
        if (!saved.ok) throw new Error(saved.error.message);
        head = saved.value.head.number;
      }));
      rawSynced.push(time(() => writeRaw(rawFile, raw, true)));
      rawPlain.push(time(() => writeRaw(rawFile, raw, false)));
    }
    const storedBytes = (store.db.prepare('SELECT SUM(LENGTH(deflated)) AS n FROM slice_blobs').get() as { n: number }).n;
    const blobCount = (store.db.prepare('SELECT COUNT(*) AS n FROM slice_blobs').get() as { n: number }).n;
    store.close();

    // The alternative layout: each version one deflated snapshot of the whole bit-packed volume.
    const content = organContent(1);
    let snapshotBytes = 0;
    const snapshot = time(() => {
      for (const mask of content.masks.values()) snapshotBytes += deflateRawSync(packBits(mask), { level: 1 }).length;
    });

    const save = median(saves);
    const edit = median(edits);
    const synced = median(rawSynced);
    const plain = median(rawPlain);
    const mb = (raw.length / 1e6).toFixed(1);
    console.log(`save a ${SHAPE.join('×')} version (2 segments, every slice new): ${save.toFixed(1)} ms (target ≤ ${SAVE_TARGET_MS} ms) ${save <= SAVE_TARGET_MS ? 'OK' : 'OVER'}`);
    console.log(`one-slice edit on it:                                   ${edit.toFixed(2)} ms (target ≤ ${EDIT_TARGET_MS} ms) ${edit <= EDIT_TARGET_MS ? 'OK' : 'OVER'}`);
    console.log(`baseline: write the raw ${mb} MB label volume + fsync: ${synced.toFixed(1)} ms; without fsync: ${plain.toFixed(1)} ms`);
    console.log(`ratios: save / raw+fsync ${(save / synced).toFixed(2)}×, save / raw ${(save / plain).toFixed(2)}×; edit / raw+fsync ${(edit / synced).toFixed(3)}×, edit / raw ${(edit / plain).toFixed(3)}×`);
    console.log(`stored: ${blobCount} slice blobs, ${(storedBytes / 1e3).toFixed(0)} kB for ${ROUNDS + 1} full versions + ${ROUNDS} edits (${((ROUNDS + 1) * 2 * raw.length / storedBytes).toFixed(0)}× smaller than raw per segment)`);
    console.log(`alternative, one deflated snapshot per version: ${(snapshotBytes / 1e3).toFixed(0)} kB a version in ${snapshot.toFixed(1)} ms — and a one-slice edit would rewrite all of it`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
