// One frame of a grey-scale DICOM image as modality values (HU on CT): the stored values through the
// file's rescale or Modality LUT, decoded by core/render's decoders. Runs on a reader thread
// (reader-tasks.ts `modalityFrame`): ROI statistics in the report's SR are computed from these values.
import { transferSyntaxName } from '../dicom/transfer-syntax';
import { formatBytes } from '../fs/size-text';
import { floatFrameValues, isFloatPixelTag, readFloatLayout } from '../render/float-frame';
import { lutValue, readGreyPipeline, readModalityLut, readPixelLayout } from '../render/image-attributes';
import { RenderRefusal, thrownText } from '../render/render-refusal';
import { checkDeclaredSizes, checkedFrameIndex, decodeFrame, DEFAULT_RENDER_MAX_BYTES, NATIVE_SYNTAXES, openImage } from '../render/render-frame';
import { EXPLICIT_BE } from '../dicom/transfer-syntax';
import { storedValues } from '../render/stored-values';

/** A frame's modality values, row-major (index = column + columns · row), or why there are none. */
export type ModalityFrame =
  | { ok: true; rows: number; columns: number; numberOfFrames: number; values: Float32Array; rescale: { slope: number; intercept: number } | null; modalityLut: boolean }
  | { ok: false; reason: string };

/**
 * Frame `frame` (1-based) of a DICOM file's bytes as modality values. Colour images have none (their
 * samples are not a quantity). Never throws: every refusal is a reason, without the file's name.
 */
export async function modalityFrame(fileBytes: Uint8Array, frame: number, maxBytes: number = DEFAULT_RENDER_MAX_BYTES): Promise<ModalityFrame> {
  const opened = await openImage(fileBytes, { maxBytes });
  if (!opened.ok) return opened;
  const { dataSet, byteArray, pixelElement, transferSyntaxUid } = opened.image;
  try {
    if (isFloatPixelTag(pixelElement.tag)) {
      const layout = readFloatLayout(dataSet, pixelElement);
      if (!NATIVE_SYNTAXES.has(transferSyntaxUid)) throw new RenderRefusal(`${layout.label} is stored natively, but the transfer syntax is ${transferSyntaxName(transferSyntaxUid)}`);
      const declared = layout.rows * layout.columns * layout.numberOfFrames * layout.bytesPerValue;
      if (declared > maxBytes) throw new RenderRefusal(`the declared ${layout.label} (${declared} bytes) is above the cap of ${formatBytes(maxBytes)}`);
      const frameIndex = checkedFrameIndex(frame, layout.numberOfFrames);
      const real = floatFrameValues(byteArray, pixelElement, layout, frameIndex, transferSyntaxUid !== EXPLICIT_BE);
      const { slope, intercept } = readGreyPipeline(dataSet, frameIndex);
      const values = new Float32Array(real.length);
      for (let i = 0; i < real.length; i++) values[i] = real[i] * slope + intercept;
      return { ok: true, rows: layout.rows, columns: layout.columns, numberOfFrames: layout.numberOfFrames, values, rescale: { slope, intercept }, modalityLut: false };
    }
    const layout = readPixelLayout(dataSet);
    if (layout.samplesPerPixel !== 1 || layout.photometric === 'PALETTE COLOR') {
      throw new RenderRefusal(`the image is colour (${layout.photometric}, ${layout.samplesPerPixel} sample(s) per pixel): it has no modality values to give statistics of`);
    }
    const frameIndex = checkedFrameIndex(frame, layout.numberOfFrames);
    checkDeclaredSizes(layout, maxBytes);
    const decoded = await decodeFrame(dataSet, byteArray, pixelElement, transferSyntaxUid, layout, frameIndex);
    const stored = storedValues(decoded.raw, layout.rows * layout.columns);
    const pipeline = readGreyPipeline(dataSet, frameIndex);
    // Rescale and the Modality LUT Sequence exclude each other (PS3.3 C.11.1): a table only without rescale values, as renderFrame decides.
    const lut = pipeline.hasRescale ? null : readModalityLut(dataSet, layout);
    const values = new Float32Array(stored.length);
    if (lut) for (let i = 0; i < stored.length; i++) values[i] = lutValue(lut, stored[i]);
    else for (let i = 0; i < stored.length; i++) values[i] = stored[i] * pipeline.slope + pipeline.intercept;
    return {
      ok: true,
      rows: layout.rows,
      columns: layout.columns,
      numberOfFrames: layout.numberOfFrames,
      values,
      rescale: lut ? null : { slope: pipeline.slope, intercept: pipeline.intercept },
      modalityLut: lut !== null,
    };
  } catch (e) {
    if (e instanceof RenderRefusal) return { ok: false, reason: e.reason };
    return { ok: false, reason: `unexpected failure while decoding: ${thrownText(e)}` };
  }
}
