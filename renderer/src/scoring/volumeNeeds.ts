// Which stored segmentations' label maps the Scoring state holds in the page. Each one is a byte (or more) per
// voxel of the series: 125 MiB for a 512 × 512 × 500 CT, and the overlay splits it once more per segment. They are
// only drawn while the Masks & Scoring panel is open (its show toggles, the TP/FP/FN picture); the score itself is
// computed by the host, and the Segments editor draws the segmentation it edits from its own masks.

export interface VolumeNeedsInput {
  /** Whether the Masks & Scoring panel is open (the only place its overlays are asked for). */
  panelOpen: boolean;
  /** The series' stored segmentations, by id. */
  maskSetIds: readonly string[];
  /** The segmentation the Segments editor has open (drawn from the editor's own masks), or null. */
  editingId: string | null;
  /** The chosen truth and prediction: the TP/FP/FN picture reads both, the edited one included. */
  pair: { truthId: string | null; predId: string | null };
}

/** The segmentations whose label maps should be loaded now; every other one is let go. */
export function neededVolumes({ panelOpen, maskSetIds, editingId, pair }: VolumeNeedsInput): Set<string> {
  const needed = new Set<string>();
  if (!panelOpen) return needed;
  const { truthId, predId } = pair;
  const paired = truthId !== null && predId !== null && truthId !== predId;
  for (const id of maskSetIds) if (id !== editingId || (paired && (id === truthId || id === predId))) needed.add(id);
  return needed;
}
