// Shared by the store's tests and its durability child: temp homes and deterministic contents.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packBits } from '../annotations/bits';
import { randomMask } from '../annotations/test-masks';
import type { SegmentationContent, Shape } from '../annotations/model';

export { randomMask };

/** A blob (disc) in each slice from z0 to z1, like a drawn organ: the compressible case. */
export function discMask(shape: Shape, centre: [number, number], radius: number, z0: number, z1: number): Uint8Array {
  const [w, h] = shape;
  const out = new Uint8Array(w * h * shape[2]);
  for (let z = z0; z < z1; z++) {
    for (let y = Math.max(0, centre[1] - radius); y < Math.min(h, centre[1] + radius); y++) {
      for (let x = Math.max(0, centre[0] - radius); x < Math.min(w, centre[0] + radius); x++) {
        if ((x - centre[0]) ** 2 + (y - centre[1]) ** 2 <= radius ** 2) out[x + w * (y + h * z)] = 1;
      }
    }
  }
  return out;
}

export function twoSegmentContent(shape: Shape, seed = 1): SegmentationContent {
  const n = shape[0] * shape[1] * shape[2];
  return {
    shape,
    segments: [
      { number: 1, label: 'lung', color: [230, 25, 75], type: { value: '39607008', scheme: 'SCT', meaning: 'Lung' } },
      { number: 2, label: 'nodule', color: [60, 180, 75] },
    ],
    masks: new Map([
      [1, randomMask(n, seed, 0.2)],
      [2, randomMask(n, seed + 1, 0.05)],
    ]),
  };
}

export function tempHome(prefix = 'vesalius-store-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The edit a seed stands for: which segment and slice it writes, and the slice's bits. */
export function editForSeed(seed: number, shape: readonly [number, number, number]): { segment: number; z: number; bits: Uint8Array } {
  return { segment: (seed % 2) + 1, z: seed % shape[2], bits: packBits(randomMask(shape[0] * shape[1], seed, 0.3)) };
}
