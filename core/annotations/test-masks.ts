// Deterministic masks for tests and benchmarks (pure).

/** A pseudo-random 0/1 mask of `length` voxels with the given density, the same for the same seed. */
export function randomMask(length: number, seed: number, density = 0.3): Uint8Array {
  let state = seed >>> 0 || 1;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    state = (state * 1664525 + 1013904223) >>> 0;
    out[i] = state / 2 ** 32 < density ? 1 : 0;
  }
  return out;
}
