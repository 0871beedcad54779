import { describe, expect, it } from 'vitest';
import { describeImageError, fileNameOf, imageFailure, transferSyntaxName, undrawableReason, type DecodedImageShape } from './imageFailure';

const grey: DecodedImageShape = {
  rows: 4,
  columns: 3,
  numberOfComponents: 1,
  pixelLength: 12,
  photometricInterpretation: 'MONOCHROME2',
  bitsAllocated: 16,
  minPixelValue: -1000,
  maxPixelValue: 700,
  rowPixelSpacing: 0.5,
  columnPixelSpacing: 0.5,
};

describe('undrawableReason', () => {
  it('accepts an image whose pixels fill rows × columns × samples', () => {
    expect(undrawableReason(grey)).toBeNull();
    expect(undrawableReason({ ...grey, numberOfComponents: 3, pixelLength: 36, photometricInterpretation: 'RGB' })).toBeNull();
    // No pixel spacing at all (secondary capture) is fine: the viewport uses 1 mm.
    expect(undrawableReason({ ...grey, rowPixelSpacing: undefined, columnPixelSpacing: null })).toBeNull();
  });

  it('accepts the one padding byte of an odd-sized 8-bit frame', () => {
    expect(undrawableReason({ ...grey, rows: 169, columns: 211, bitsAllocated: 8, pixelLength: 169 * 211 + 1 })).toBeNull();
  });

  it('refuses a pixel array that does not fill the image (what made vtk throw mid-update)', () => {
    const reason = undrawableReason({ ...grey, rows: 100, columns: 100, numberOfComponents: 3, pixelLength: 20000, photometricInterpretation: 'YBR_FULL_422', bitsAllocated: 8 });
    expect(reason).toContain('20000 samples');
    expect(reason).toContain('expected 30000');
    expect(reason).toContain('YBR_FULL_422');
    // RGB padded by one sample is not a whole number of pixels.
    expect(undrawableReason({ ...grey, numberOfComponents: 3, pixelLength: 37 })).toContain('expected 36');
  });

  it('refuses NaN sizes, values and spacings, naming what is wrong', () => {
    expect(undrawableReason({ ...grey, rows: Number.NaN })).toContain('no usable size');
    expect(undrawableReason({ ...grey, maxPixelValue: Number.NaN })).toContain('not numbers');
    expect(undrawableReason({ ...grey, rowPixelSpacing: 0 })).toContain('(0028,0030)');
    expect(undrawableReason({ ...grey, columnPixelSpacing: Number.NaN })).toContain('column pixel spacing');
  });

  it('refuses a photometric interpretation the viewer cannot show, naming the tag', () => {
    expect(undrawableReason({ ...grey, photometricInterpretation: 'CMYK' })).toBe('photometric interpretation CMYK (0028,0004) is not supported by the viewer');
  });
});

describe('describeImageError', () => {
  const jpeg = { path: '/data/a/broken.dcm', transferSyntaxUid: '1.2.840.10008.1.2.4.50', frame: null };

  it('names the codec that rejected the data, wrapping its own message', () => {
    expect(describeImageError(new Error('JPEG error: invalid marker'), jpeg)).toBe('the JPEG Baseline (1.2.840.10008.1.2.4.50) decoder rejected the pixel data (JPEG error: invalid marker)');
  });

  it('an error event with no message still says which decoder failed', () => {
    expect(describeImageError({ type: 'error', toString: () => '[object Event]' }, jpeg)).toBe('the JPEG Baseline (1.2.840.10008.1.2.4.50) decoder rejected the pixel data');
    // A file that names no transfer syntax reads as such, not "the an unnamed transfer syntax decoder".
    expect(describeImageError(new Error('boom'), { path: '/x.dcm', transferSyntaxUid: '', frame: null })).toBe('the decoder (the file names no transfer syntax) rejected the pixel data (boom)');
  });

  it('translates known loader messages into words', () => {
    const rle = { path: '/x.dcm', transferSyntaxUid: '1.2.840.10008.1.2.5', frame: null };
    expect(describeImageError(new Error('unsupported pixel format for RLE'), rle)).toContain('RLE decoder does not support this pixel format');
    expect(describeImageError(new Error('unsupported pixel format for RLE'), rle, { bitsAllocated: 32, samplesPerPixel: 3, photometricInterpretation: 'RGB' })).toBe('the RLE decoder does not support 32 bits allocated, 3 sample(s) per pixel (RGB)');
    // 32-bit RGB and grey are read by the checked loader itself; a 1-bit big-endian image is not.
    const bigEndian = { path: '/bits1be.dcm', transferSyntaxUid: '1.2.840.10008.1.2.2', frame: null };
    expect(describeImageError(new TypeError("Cannot read properties of undefined (reading 'length')"), bigEndian, { bitsAllocated: 1, samplesPerPixel: 1, photometricInterpretation: 'MONOCHROME2' })).toBe(
      'the Explicit VR Big Endian reader takes 8- and 16-bit samples, and 32-bit grey or RGB; this image has 1 bits allocated, 1 sample(s) per pixel (MONOCHROME2)',
    );
    expect(describeImageError(new Error('No decoder for transfer syntax 1.2.3'), { ...rle, transferSyntaxUid: '1.2.3' })).toBe('no decoder for transfer syntax 1.2.3');
    expect(describeImageError(new Error('loadImageFromNaturalizedMetadata: no pixel data in NATURALIZED for imageId x'), rle)).toContain('float or double pixel data (7FE0,0008/0009)');
    expect(describeImageError({ error: new Error('decodeDeflatedFrame: frame is 10 bytes, expected 20 for 2x5') }, rle)).toBe('the pixel data is shorter than the image needs (10 of 20 bytes)');
  });
});

describe('imageFailure', () => {
  it('shows the file name on the image and keeps the full path and frame in the detail', () => {
    const failure = imageFailure('wadouri:x', { path: '/data/a/mf.dcm', transferSyntaxUid: '', frame: 3 }, 'the decoder rejected the pixel data');
    expect(failure).toEqual({ imageId: 'wadouri:x', fileName: 'mf.dcm', reason: 'the decoder rejected the pixel data', detail: '/data/a/mf.dcm, frame 3: the decoder rejected the pixel data' });
    expect(fileNameOf('C:\\scans\\b.dcm')).toBe('b.dcm');
    expect(transferSyntaxName('')).toBe('an unnamed transfer syntax');
  });
});
