// A growable list of voxel indices in one typed array (kernels collect changed voxels without per-voxel objects).

export class IndexBuffer {
  private data: Uint32Array;
  private count = 0;
  /** False once an index smaller than the one before was pushed (then `toSortedArray` sorts). */
  private ascending = true;

  constructor(initialCapacity = 1024) {
    this.data = new Uint32Array(Math.max(16, initialCapacity));
  }

  get length(): number {
    return this.count;
  }

  /** The k-th index pushed (0 ≤ k < length); a breadth-first search reads its queue this way. */
  at(k: number): number {
    return this.data[k];
  }

  /** Forgets the contents, keeping the capacity (one buffer reused for many components). */
  reset(): void {
    this.count = 0;
    this.ascending = true;
  }

  push(index: number): void {
    if (this.count === this.data.length) {
      const grown = new Uint32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    if (this.count > 0 && index < this.data[this.count - 1]) this.ascending = false;
    this.data[this.count++] = index;
  }

  /** The indices pushed, ascending (a copy of exactly `length` entries). */
  toSortedArray(): Uint32Array {
    const out = this.data.slice(0, this.count);
    return this.ascending ? out : out.sort();
  }
}
