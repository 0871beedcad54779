/**
 * Header facts (model folder layout 0.3): the one rule that turns a DICOM header's tags into the facts the
 * image encoder reads as `header_ids` and the caption prefix is forced from. The Python twin is
 * models/training/header_facts.py; core/model/fixtures/header-facts-cases.json (written by it) is the
 * cross-check (header-facts.test.ts). Pure TypeScript: the renderer and the worker both use it.
 */

export const UNKNOWN_FACT = '<unk>';

/** The raw tags the rule reads, any of them absent. IOP as the header's text ("1\0\0\0\1\0") or six numbers. */
export interface HeaderTagInput {
  /** (0008,0060) */
  modality?: string;
  /** (0018,0015) */
  bodyPartExamined?: string;
  /** (0020,0037) */
  imageOrientationPatient?: string | readonly number[];
  /** (0018,0010) */
  contrastBolusAgent?: string;
  /** (0008,1030) */
  studyDescription?: string;
  /** (0008,103E) */
  seriesDescription?: string;
}

/** One word per slot (or `<unk>`); the slot names are config.json header_fusion.slots. */
export interface HeaderFacts {
  modality: string;
  plane: string;
  body_part: string;
  contrast: string;
  [slot: string]: string;
}

const MODALITIES: Readonly<Record<string, string>> = {
  CT: 'ct',
  MR: 'mri',
  CR: 'x-ray',
  DX: 'x-ray',
  DR: 'x-ray',
  RG: 'x-ray',
  MG: 'x-ray',
  US: 'ultrasound',
};

const BODY_PART_WORDS: ReadonlyArray<[string, readonly string[]]> = [
  ['chest', ['CHEST', 'THORAX', 'LUNG', 'LUNGS', 'BREAST']],
  ['head', ['HEAD', 'BRAIN', 'SKULL']],
  ['abdomen', ['ABDOMEN', 'LIVER', 'KIDNEY', 'ABDOMENPELVIS']],
  ['pelvis', ['PELVIS', 'HIP']],
  ['spine', ['SPINE', 'CSPINE', 'TSPINE', 'LSPINE']],
  ['neck', ['NECK']],
  ['extremity', ['HAND', 'FOOT', 'KNEE', 'SHOULDER', 'ELBOW', 'ANKLE', 'WRIST', 'ARM', 'LEG', 'EXTREMITY']],
];
const BODY_PARTS = new Map<string, string>(BODY_PART_WORDS.flatMap(([part, words]) => words.map((w) => [w, part] as [string, string])));

/** A normal component at least this large names the plane; below it the slice is oblique. */
const PLANE_MIN_COMPONENT = 0.8;
/** The plane whose normal is the x, y, z axis of the patient. */
const PLANE_OF_AXIS = ['sagittal', 'coronal', 'axial'] as const;
/** A DICOM decimal string value: what JavaScript's Number() and Python's float() read the same way. */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
/** Description words: runs of letters after upper-casing (digits and punctuation split them). */
const WORD = /[A-Z]+/g;

const text = (value: string | undefined): string => value ?? '';

export function modalityFact(tags: HeaderTagInput): string {
  return MODALITIES[text(tags.modality).trim().toUpperCase()] ?? UNKNOWN_FACT;
}

/** The six direction cosines, or null unless the tag is exactly six finite decimal numbers. */
export function orientationNumbers(value: HeaderTagInput['imageOrientationPatient']): number[] | null {
  if (value === undefined) return null;
  if (typeof value !== 'string') return value.length === 6 && value.every(Number.isFinite) ? [...value] : null;
  const parts = value.split('\\');
  if (parts.length !== 6) return null;
  const numbers: number[] = [];
  for (const part of parts) {
    const trimmed = part.trim();
    if (!DECIMAL.test(trimmed)) return null;
    const n = Number(trimmed);
    if (!Number.isFinite(n)) return null;
    numbers.push(n);
  }
  return numbers;
}

/** From ImageOrientationPatient only: normal = row × column; its largest axis (ties x, y, z) if ≥ 0.8. */
export function planeFact(tags: HeaderTagInput): string {
  const iop = orientationNumbers(tags.imageOrientationPatient);
  if (!iop) return UNKNOWN_FACT;
  const [r0, r1, r2, c0, c1, c2] = iop;
  const normal = [Math.abs(r1 * c2 - r2 * c1), Math.abs(r2 * c0 - r0 * c2), Math.abs(r0 * c1 - r1 * c0)];
  let axis = 0;
  for (let i = 1; i < 3; i++) if (normal[i] > normal[axis]) axis = i;
  return normal[axis] >= PLANE_MIN_COMPONENT ? PLANE_OF_AXIS[axis] : UNKNOWN_FACT;
}

/** BodyPartExamined, else the first listed word of StudyDescription, then of SeriesDescription. */
export function bodyPartFact(tags: HeaderTagInput): string {
  const tagged = BODY_PARTS.get(text(tags.bodyPartExamined).trim().toUpperCase());
  if (tagged) return tagged;
  for (const description of [tags.studyDescription, tags.seriesDescription]) {
    for (const word of text(description).toUpperCase().match(WORD) ?? []) {
      const part = BODY_PARTS.get(word);
      if (part) return part;
    }
  }
  return UNKNOWN_FACT;
}

/** Any agent named means contrast; no agent is unknown, not "no contrast". */
export function contrastFact(tags: HeaderTagInput): string {
  return text(tags.contrastBolusAgent).trim() ? 'contrast' : UNKNOWN_FACT;
}

export function headerFacts(tags: HeaderTagInput): HeaderFacts {
  return { modality: modalityFact(tags), plane: planeFact(tags), body_part: bodyPartFact(tags), contrast: contrastFact(tags) };
}

/** The vocabulary of config.json header_fusion. */
export interface HeaderFusionValues {
  slots: readonly string[];
  values: Readonly<Record<string, readonly string[]>>;
}

/** The fact of a slot if the folder lists it, else `<unk>` (a value the model never saw is unknown to it). */
export function listedFact(facts: HeaderFacts, fusion: HeaderFusionValues, slot: string): string {
  const value = facts[slot] ?? UNKNOWN_FACT;
  return fusion.values[slot]?.includes(value) ? value : UNKNOWN_FACT;
}

/** `header_ids` int64 [1, slots]: each slot's index in its value list, 0 (`<unk>`) when not listed. */
export function headerIds(facts: HeaderFacts, fusion: HeaderFusionValues): BigInt64Array {
  return BigInt64Array.from(fusion.slots, (slot) => BigInt(Math.max(0, fusion.values[slot]?.indexOf(listedFact(facts, fusion, slot)) ?? 0)));
}

/**
 * The words a caption is forced to start with: the known prefix slots' values in order, each followed by
 * ",", stopping at the first unknown slot; nothing unless the modality is known ("ct , axial ," or "ct ,").
 */
export function forcedCaptionWords(facts: HeaderFacts, fusion: HeaderFusionValues, prefixSlots: readonly string[]): string[] {
  if (listedFact(facts, fusion, 'modality') === UNKNOWN_FACT) return [];
  const words: string[] = [];
  for (const slot of prefixSlots) {
    const value = listedFact(facts, fusion, slot);
    if (value === UNKNOWN_FACT) break;
    words.push(value, ',');
  }
  return words;
}
