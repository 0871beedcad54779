// A MaskSet read from a file (PNG / NIfTI / DICOM SEG) as segmentation content and provenance.
import type { MaskSet } from '../masks/read-mask';
import type { SegmentationContent, Segment, Provenance, Role } from './model';
import { labelColor } from './palette';

/**
 * A label map becomes one segment per foreground label value (segment number = value); a SEG
 * becomes its own segments, each mask whole (overlaps kept), with the names it carried.
 * Label values outside 1…65535 cannot be segment numbers: a RangeError names them.
 */
export function contentFromMaskSet(maskSet: MaskSet): SegmentationContent {
  const [width, height, depth] = maskSet.volume.shape;
  const shape = [width, height, depth] as const;
  const names = maskSet.labelNames ?? {};
  const segments: Segment[] = [];
  const masks = new Map<number, Uint8Array>();
  if (maskSet.segments) {
    for (const [number, seg] of [...maskSet.segments].sort((a, b) => a[0] - b[0])) {
      const data = seg.volume.data;
      const mask = data instanceof Uint8Array ? data.slice() : Uint8Array.from(data, (v) => (v ? 1 : 0));
      // The SEG's recommended colour and codes when it has them, so a segment named "GREEN" is drawn green.
      segments.push({
        number,
        label: seg.name || `segment ${number}`,
        color: seg.color ?? ([...labelColor(number)] as [number, number, number]),
        ...(seg.category ? { category: seg.category } : {}),
        ...(seg.type ? { type: seg.type } : {}),
      });
      masks.set(number, mask);
    }
    return { shape, segments, masks };
  }
  const data = maskSet.volume.data;
  const byValue = new Map<number, Uint8Array>();
  for (let i = 0; i < data.length; i++) {
    const value = data[i];
    if (value === 0) continue;
    let mask = byValue.get(value);
    if (!mask) {
      if (value < 1 || value > 65535) throw new RangeError(`${maskSet.source}: label value ${value} cannot be a segment number (1…65535)`);
      mask = new Uint8Array(data.length);
      byValue.set(value, mask);
    }
    mask[i] = 1;
  }
  for (const value of [...byValue.keys()].sort((a, b) => a - b)) {
    segments.push({ number: value, label: names[value] ?? `label ${value}`, color: [...labelColor(value)] as [number, number, number] });
    masks.set(value, byValue.get(value)!);
  }
  return { shape, segments, masks };
}

/** Provenance of a file import: who imported it, in what role, from which file. */
export const importProvenance = (maskSet: MaskSet, role: Role, author: string): Provenance => ({
  role,
  author,
  origin: { kind: 'file', path: maskSet.source, format: maskSet.format },
});

/** The label map of a content (for scoring and overlays): where segments overlap, the highest number wins. */
export function labelMapOf(content: SegmentationContent): Uint8Array | Uint16Array {
  const maxNumber = Math.max(0, ...content.segments.map((s) => s.number));
  const out = maxNumber > 0xff ? new Uint16Array(content.shape[0] * content.shape[1] * content.shape[2]) : new Uint8Array(content.shape[0] * content.shape[1] * content.shape[2]);
  for (const segment of [...content.segments].sort((a, b) => a.number - b.number)) {
    const mask = content.masks.get(segment.number);
    if (!mask) continue;
    for (let i = 0; i < mask.length; i++) if (mask[i]) out[i] = segment.number;
  }
  return out;
}
