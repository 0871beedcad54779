/**
 * The readers of untrusted bytes the fuzz run drives, each reduced to one outcome: a code (what the
 * reader decided) and the reason a person would read. A reader that throws something other than its
 * own named error is reported as such (`thrown`), with the message, so the run can fail on it.
 */
import { readFile } from 'node:fs/promises';
import { inspectFile } from '../dicom/inspect-file';
import { MaskReadError } from '../masks/mask-error';
import { readMaskFile } from '../masks/read-mask';
import { encodePng } from '../render/png-output';
import { renderFrame } from '../render/render-frame';

/** The indexer, the mask reader, and `vesalius render`'s decode (first frame to an 8-bit PNG). */
export const READERS = ['dicom-index', 'mask', 'render'] as const;
export type ReaderName = (typeof READERS)[number];

export interface ReaderOutcome {
  /** 'instance' / an ImportErrorCode for the indexer; 'ok:<format>' / 'refused' for the mask reader; 'rendered' / 'refused' for render; 'thrown' for an unnamed error. */
  code: string;
  /** The reason shown to a person (absent for an accepted file). */
  reason?: string;
}

const thrownText = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : `non-Error thrown: ${String(e)}`);

export async function runReader(reader: ReaderName, filePath: string): Promise<ReaderOutcome> {
  try {
    if (reader === 'dicom-index') {
      const outcome = await inspectFile(filePath);
      return outcome.kind === 'instance' ? { code: 'instance' } : { code: outcome.error.code, reason: outcome.error.reason };
    }
    if (reader === 'render') {
      const result = await renderFrame(await readFile(filePath), { frame: 1 });
      if (!result.ok) return { code: 'refused', reason: result.reason };
      encodePng(result.pixels, result.width, result.height, result.channels);
      return { code: 'rendered' };
    }
    const mask = await readMaskFile(filePath);
    return { code: `ok:${mask.format}` };
  } catch (e) {
    if (e instanceof MaskReadError && reader === 'mask') return { code: 'refused', reason: e.reason };
    return { code: 'thrown', reason: thrownText(e) };
  }
}
