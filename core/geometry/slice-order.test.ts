import { describe, expect, it } from 'vitest';
import { canonicalFrames, imagesOfFrames, orderImages, type SliceOrderImage } from './slice-order';
import { add, scale, type Vec3 } from './vec3';

const axial = [1, 0, 0, 0, 1, 0];

function image(name: string, fields: Partial<SliceOrderImage> = {}): SliceOrderImage {
  return {
    sopInstanceUid: `1.2.840.99.${name}`,
    path: `/data/${name}.dcm`,
    fileKey: `key-${name}`,
    instanceNumber: null,
    imagePositionPatient: null,
    imageOrientationPatient: axial,
    sliceLocation: null,
    numberOfFrames: 1,
    ...fields,
  };
}

const names = (images: SliceOrderImage[]): string[] => images.map((i) => i.fileKey.slice(4));

/** Every rotation of the read order gives the same order. */
function expectReadOrderFree(images: SliceOrderImage[], expected: string[]): void {
  for (let shift = 0; shift < images.length; shift++) {
    const rotated = [...images.slice(shift), ...images.slice(0, shift)];
    expect(names(orderImages(rotated).images)).toEqual(expected);
    expect(names(orderImages([...rotated].reverse()).images)).toEqual(expected);
  }
}

describe('orderImages', () => {
  it('orders an oblique stack along its normal, even where in-plane offsets make z run the other way', () => {
    const c = Math.cos(Math.PI / 6);
    const s = Math.sin(Math.PI / 6);
    const orientation = [1, 0, 0, 0, c, s];
    const normal: Vec3 = [0, -s, c];
    const columnDirection: Vec3 = [0, c, s];
    // Slice k lies 2k mm along the normal; its first pixel shifts 5k mm back along the column direction,
    // so ImagePositionPatient z falls as k grows (1.73k − 2.5k): sorting by z would reverse the stack.
    const slices = [3, 0, 4, 1, 2].map((k) =>
      image(`k${k}`, {
        imageOrientationPatient: orientation,
        imagePositionPatient: [...add(scale(normal, 2 * k), scale(columnDirection, 10 - 5 * k))],
        instanceNumber: 10 - k,
        sliceLocation: -k,
      }),
    );
    const order = orderImages(slices);
    expect(order.method).toBe('position');
    expect(order.normal![1]).toBeCloseTo(-s, 12);
    expectReadOrderFree(slices, ['k0', 'k1', 'k2', 'k3', 'k4']);
  });

  it('orders a stack whose normal points the other way (flipped columns) by that normal: descending z', () => {
    const flipped = [1, 0, 0, 0, -1, 0]; // normal (0, 0, −1)
    const slices = [0, 10, 20, 30].map((z) => image(`z${z}`, { imageOrientationPatient: flipped, imagePositionPatient: [0, 0, z], instanceNumber: 1 + z / 10 }));
    expectReadOrderFree(slices, ['z30', 'z20', 'z10', 'z0']);
  });

  it('uses the normal of a sagittal plane, not z', () => {
    const slices = [5, -5, 0].map((x) => image(`x${x}`, { imageOrientationPatient: [0, 1, 0, 0, 0, -1], imagePositionPatient: [x, 0, 99 - x] }));
    // normal = (0, 1, 0) × (0, 0, −1) = (−1, 0, 0): larger x comes first.
    expectReadOrderFree(slices, ['x5', 'x0', 'x-5']);
  });

  it('falls back to SliceLocation when any image lacks a position', () => {
    const slices = [
      image('a', { imagePositionPatient: [0, 0, 30], sliceLocation: 3, instanceNumber: 1 }),
      image('b', { imagePositionPatient: null, sliceLocation: 1, instanceNumber: 2 }),
      image('c', { imagePositionPatient: [0, 0, 10], sliceLocation: 2, instanceNumber: 3 }),
    ];
    expect(orderImages(slices).method).toBe('sliceLocation');
    expectReadOrderFree(slices, ['b', 'c', 'a']);
  });

  it('falls back to SliceLocation when an orientation is unusable or the planes are not parallel', () => {
    const positioned = (name: string, z: number, orientation: number[] | null) =>
      image(name, { imagePositionPatient: [0, 0, z], imageOrientationPatient: orientation, sliceLocation: -z });
    const invalid = [positioned('p', 0, axial), positioned('q', 5, [2, 0, 0, 0, 1, 0]), positioned('r', 10, axial)];
    expect(orderImages(invalid).method).toBe('sliceLocation');
    expectReadOrderFree(invalid, ['r', 'q', 'p']);

    const localizer = [positioned('ax', 0, axial), positioned('sag', 5, [0, 1, 0, 0, 0, -1]), positioned('cor', 10, [1, 0, 0, 0, 0, -1])];
    expect(orderImages(localizer).method).toBe('sliceLocation');
    expect(names(orderImages(localizer).images)).toEqual(['cor', 'sag', 'ax']);
  });

  it('falls back to InstanceNumber when positions and SliceLocation are both incomplete; the rest by SOP UID, then path', () => {
    const slices = [
      image('c', { imagePositionPatient: [0, 0, 1], sliceLocation: 1, instanceNumber: 2 }),
      image('a', { instanceNumber: 3 }),
      image('d', { imagePositionPatient: [0, 0, 9], instanceNumber: 1 }),
      image('f'),
      image('e'),
      image('g2', { sopInstanceUid: '1.2.840.99.g', path: '/data/g2.dcm' }),
      image('g1', { sopInstanceUid: '1.2.840.99.g', path: '/data/g1.dcm' }),
    ];
    expect(orderImages(slices).method).toBe('instanceNumber');
    expectReadOrderFree(slices, ['d', 'c', 'a', 'e', 'f', 'g1', 'g2']);
  });

  it('breaks equal keys by SOP UID, then path, and orders by identity alone when nothing else is known', () => {
    const samePlace = ['b', 'c', 'a'].map((n) => image(n, { imagePositionPatient: [0, 0, 7] }));
    expectReadOrderFree(samePlace, ['a', 'b', 'c']);
    const bare = ['y', 'x', 'z'].map((n) => image(n, { imageOrientationPatient: null }));
    expect(orderImages(bare).method).toBe('identity');
    expectReadOrderFree(bare, ['x', 'y', 'z']);
    expect(orderImages([]).images).toEqual([]);
  });
});

describe('canonicalFrames', () => {
  it('expands multi-frame instances to frames 1..N in place, single-frame instances to frame null', () => {
    const series = [
      image('third', { instanceNumber: 3 }),
      image('cine', { instanceNumber: 2, numberOfFrames: 3 }),
      image('first', { instanceNumber: 1 }),
    ];
    expect(canonicalFrames(series)).toEqual([
      { sopInstanceUid: '1.2.840.99.first', frame: null, fileKey: 'key-first' },
      { sopInstanceUid: '1.2.840.99.cine', frame: 1, fileKey: 'key-cine' },
      { sopInstanceUid: '1.2.840.99.cine', frame: 2, fileKey: 'key-cine' },
      { sopInstanceUid: '1.2.840.99.cine', frame: 3, fileKey: 'key-cine' },
      { sopInstanceUid: '1.2.840.99.third', frame: null, fileKey: 'key-third' },
    ]);
  });

  it('gives z = 0.. along the normal for a positioned stack', () => {
    const slices = [2.5, 0, 5].map((z) => image(`z${z}`, { imagePositionPatient: [-100, -100, z] }));
    expect(canonicalFrames(slices).map((f) => f.fileKey)).toEqual(['key-z0', 'key-z2.5', 'key-z5']);
  });
});

describe('imagesOfFrames', () => {
  it('gives the image behind every frame, repeating a multi-frame instance, and names a frame with no image', () => {
    const images = [image('one'), image('cine', { numberOfFrames: 2, instanceNumber: 2 })];
    const frames = canonicalFrames(images);
    const resolved = imagesOfFrames(frames, images);
    expect(resolved.ok && names(resolved.images)).toEqual(['cine', 'cine', 'one']);
    const missing = imagesOfFrames([...frames, { sopInstanceUid: '9.9', frame: null, fileKey: 'gone' }], images);
    expect(missing).toEqual({ ok: false, reason: 'frame 3 (SOP instance 9.9) names file key gone, which none of the images has' });
  });
});
