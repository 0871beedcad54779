import { PNG } from 'pngjs';
import type { LabelVolume } from '../metrics/types';
import { MaskReadError } from './mask-error';

const pngSignature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export const isPngBytes = (bytes: Uint8Array): boolean => pngSignature.every((b, i) => bytes[i] === b);

/**
 * Decodes a PNG label image into a depth-1 label volume (value = label).
 * Grayscale at any bit depth keeps its raw values (16-bit is not rescaled); palette and RGB images
 * are accepted when every pixel has R = G = B, which is how label maps saved as colour usually look.
 */
export function decodePngLabels(bytes: Uint8Array, source: string): LabelVolume {
  if (!isPngBytes(bytes)) throw new MaskReadError(source, 'not a PNG file (signature missing)');
  let png: ReturnType<typeof PNG.sync.read>;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { skipRescale: true });
  } catch (e) {
    throw new MaskReadError(source, `corrupt PNG (${e instanceof Error ? e.message : String(e)})`);
  }
  const { width, height } = png;
  // pngjs always hands back RGBA samples: a Buffer up to 8 bits, a Uint16Array at 16 bits.
  const rgba = png.data as Uint8Array | Uint16Array;
  const pixelCount = width * height;
  if (rgba.length < pixelCount * 4) throw new MaskReadError(source, 'corrupt PNG (pixel data shorter than the image size)');
  const labels = png.depth === 16 ? new Uint16Array(pixelCount) : new Uint8Array(pixelCount);
  for (let i = 0; i < pixelCount; i++) {
    const r = rgba[i * 4];
    if (rgba[i * 4 + 1] !== r || rgba[i * 4 + 2] !== r) {
      const x = i % width;
      const y = Math.floor(i / width);
      throw new MaskReadError(
        source,
        `colour image with unequal channels at pixel (${x}, ${y}): RGB (${r}, ${rgba[i * 4 + 1]}, ${rgba[i * 4 + 2]}); a label mask must be grayscale`,
      );
    }
    labels[i] = r;
  }
  return { data: labels, shape: [width, height, 1], spacingMm: [1, 1, 1], source };
}
