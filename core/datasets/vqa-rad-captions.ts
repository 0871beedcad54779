/**
 * The reference captions of VQA-RAD images, derived from their expert question-answer pairs exactly as
 * models/training/captions.py derives them (`captions_by_image`), so `vesalius eval` scores generated
 * captions against the same references as `npm run model:eval`:
 *   "<modality>, <plane>, <organ>. <finding>. …"  (parts no QA pair states are left out), the QA pairs
 * of an image taken in qid order. Parity: core/datasets/fixtures/vqa-rad-captions-python.json (written
 * by models/training/captions_parity.py) on edge-case rows, and a digest of the captions of the real
 * VQA-RAD set.
 */
import { normaliseTrainingAnswer, trainingWords } from '../metrics/training-answer';

export interface VqaRadQa {
  qid: number | string;
  image_name: string;
  image_organ: string;
  question: string;
  answer: string | number;
  answer_type: string;
  question_type: string;
}

const MAX_FINDINGS = 6;
const ORGANS: Record<string, string> = { HEAD: 'head', CHEST: 'chest', ABD: 'abdomen' };
const PLANES: Record<string, string> = { axial: 'axial', coronal: 'coronal', sagittal: 'sagittal', pa: 'pa', ap: 'ap', posteroanterior: 'pa', anteroposterior: 'ap' };
const isPlane = (w: string): boolean => Object.hasOwn(PLANES, w);

const RE_NORMAL_IMAGE = /^(is|are) (this|the|these) (image|images|study|film|scan|ct|radiograph|a normal image|findings)\s*(normal|abnormal)?/;
const RE_FINDINGS_NORMAL = /^(are the findings normal|is this a normal image|is this normal)/;
const RE_ORGAN_NORMAL = /^(is|are|is\/are) (the )?([a-z ]+?) (normal|abnormal)$/;
const RE_THERE = /^(is|are|is\/are) there (a |an |any |evidence of (a |an )?)?([a-z \-']+?)( present)?$/;
const RE_PRESENT = /^(is|are) (a |an |there )?([a-z \-']+?) present$/;
const RE_THIS_MODALITY = /\b(?:this|the) (ct|mri|mr|x - ray|xray|radiograph|film|cxr)\b/;
const RE_WHERE = /^where is the (abnormality|lesion|mass|pathology)/;

const clean = (text: string): string => trainingWords(text).join(' ');
/** Python's str.split() word count (runs of whitespace). */
const wordCount = (text: string): number => text.split(/\s+/).filter((w) => w.length > 0).length;

export function modalityOf(text: string): string | null {
  const list = trainingWords(text);
  const words = new Set(list);
  const t = list.join(' ');
  if (words.has('ct')) return 'ct';
  if (['mr', 'mri', 't1', 't2', 'flair', 'dwi', 'adc', 'diffusion'].some((w) => words.has(w))) return 'mri';
  if (t.includes('x - ray') || ['xray', 'cxr', 'radiograph', 'film', 'x'].some((w) => words.has(w))) return 'x-ray';
  if (words.has('ultrasound')) return 'ultrasound';
  return null;
}

/** Python's str.rstrip(chars). */
function rstripChars(text: string, chars: string): string {
  let end = text.length;
  while (end > 0 && chars.includes(text[end - 1])) end--;
  return text.slice(0, end);
}

function questionCore(question: string): string {
  let q = question.toLowerCase().trim();
  q = q.replace(/-\s*yes\/no$/, '').trim();
  q = rstripChars(q, '?. ').trim();
  return q.replace(/\s+/g, ' ');
}

export function findingOf(question: string, answer: string): string | null {
  const a = normaliseTrainingAnswer(answer);
  if (a !== 'yes' && a !== 'no') return null;
  const yes = a === 'yes';
  const q = questionCore(question);
  if (RE_NORMAL_IMAGE.test(q) || RE_FINDINGS_NORMAL.test(q)) {
    const normal = yes !== q.includes('abnormal');
    return normal ? 'normal study' : 'abnormal study';
  }
  const organ = RE_ORGAN_NORMAL.exec(q);
  if (organ && organ[3].split(' ').filter((w) => w.length > 0).length <= 3) {
    const normal = yes !== (organ[4] === 'abnormal');
    return `${normal ? 'normal' : 'abnormal'} ${clean(organ[3])}`;
  }
  let x: string | undefined;
  const there = RE_THERE.exec(q);
  if (there) x = there[4];
  else x = RE_PRESENT.exec(q)?.[3];
  if (x === undefined) return null;
  x = x.replaceAll("in the patient's", 'in').replaceAll("patient's", '');
  const words = clean(x);
  if (!words || wordCount(words) > 6) return null;
  return yes ? words : `no ${words}`;
}

const byQid = (a: VqaRadQa, b: VqaRadQa): number => (a.qid < b.qid ? -1 : a.qid > b.qid ? 1 : 0);

export function deriveCaption(organCode: string, qas: readonly VqaRadQa[]): string {
  const rows = [...qas].sort(byQid);
  const organ = ORGANS[organCode.trim().toUpperCase()];
  let modality: string | null = null;
  let plane: string | null = null;
  for (const r of rows) {
    const type = r.question_type.toUpperCase();
    const closed = r.answer_type.trim().toUpperCase() === 'CLOSED';
    const ans = normaliseTrainingAnswer(String(r.answer));
    const q = trainingWords(r.question).join(' ');
    const negated = ` ${q} `.includes(' not ');
    if (type.includes('MODALITY') && modality === null && !negated) {
      if (!closed) modality = modalityOf(ans);
      else if (ans === 'yes' && q.startsWith('is this')) modality = modalityOf(q);
    }
    if (type.includes('PLANE') && plane === null) {
      if (!closed && isPlane(ans)) plane = PLANES[ans];
      else if (closed && ans === 'yes') {
        const hits = trainingWords(r.question).filter(isPlane).map((w) => PLANES[w]);
        if (hits.length === 1) plane = hits[0];
      }
    }
  }
  if (modality === null) {
    for (const r of rows) {
      const m = RE_THIS_MODALITY.exec(trainingWords(r.question).join(' '));
      if (m) {
        modality = modalityOf(m[1]);
        break;
      }
    }
  }
  const findings: string[] = [];
  for (const r of rows) {
    let f: string | null = null;
    if (r.answer_type.trim().toUpperCase() === 'CLOSED') f = findingOf(r.question, String(r.answer));
    else if (RE_WHERE.test(questionCore(r.question))) {
      const loc = normaliseTrainingAnswer(String(r.answer));
      if (loc && wordCount(loc) <= 6) f = `lesion in ${loc}`;
    }
    if (f && !findings.includes(f) && findings.length < MAX_FINDINGS) findings.push(f);
  }
  const head = [modality, plane, organ].filter((p) => p).join(', ');
  return `${[...(head ? [head] : []), ...findings].join('. ')}.`;
}

/** captions.py `captions_by_image`: each image's caption from all its QA rows, images in name order. */
export function captionsByImage(rows: readonly VqaRadQa[]): Map<string, string> {
  const byImage = new Map<string, VqaRadQa[]>();
  const organ = new Map<string, string>();
  for (const r of rows) {
    if (!byImage.has(r.image_name)) byImage.set(r.image_name, []);
    byImage.get(r.image_name)!.push(r);
    if (!organ.has(r.image_name)) organ.set(r.image_name, r.image_organ);
  }
  const names = [...byImage.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return new Map(names.map((n) => [n, deriveCaption(organ.get(n)!, byImage.get(n)!)]));
}
