"""Reference renderings with pydicom, for core/render/render-real-data.test.ts.

Reads a JSON list of jobs on stdin: {"file", "frame" (1-based), "window": {"center", "width",
"function"} or null, "rescale": {"slope", "intercept"} or null, "out" (a path to write), "referenceIsYbr" (optional:
pydicom leaves this file's samples in YCbCr; convert them), "voiLut" (optional: vesalius applied the
file's VOI LUT Sequence instead of a window)}.
For each job it renders that frame with pydicom's own pipeline -- pixel_array, apply_modality_lut,
apply_voi_lut with the same window, MONOCHROME1 inverted, palette through apply_color_lut, YBR
through convert_color_space -- scales it to 8 bits and writes the raw bytes (rows x columns x
samples, uint8) to "out". Prints one JSON line per job: {"index", "ok", "shape"} or
{"index", "ok": false, "reason"} when pydicom cannot decode the file (missing handler, ...).
"""
import json
import sys
import warnings

import numpy as np
import pydicom
from pydicom.pixel_data_handlers.util import (
    apply_color_lut,
    apply_modality_lut,
    apply_voi_lut,
    convert_color_space,
)

warnings.simplefilter("ignore")


def voi_output_range(ds):
    """The y range apply_windowing maps onto (pydicom 2.3, util.apply_windowing)."""
    if ds.get("ModalityLUTSequence"):
        return 0.0, float(2 ** ds.ModalityLUTSequence[0].LUTDescriptor[2] - 1)
    bits = int(ds.BitsStored)
    if ds.PixelRepresentation == 0:
        y_min, y_max = 0.0, float(2 ** bits - 1)
    else:
        y_min, y_max = float(-(2 ** (bits - 1))), float(2 ** (bits - 1) - 1)
    slope = ds.get("RescaleSlope", None)
    intercept = ds.get("RescaleIntercept", None)
    if slope is not None and intercept is not None:
        y_min = y_min * float(slope) + float(intercept)
        y_max = y_max * float(slope) + float(intercept)
    return y_min, y_max


def render(job):
    ds = pydicom.dcmread(job["file"])
    arr = ds.pixel_array
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    if frames > 1:
        arr = arr[job["frame"] - 1]
    photometric = str(ds.PhotometricInterpretation).strip()
    samples = int(ds.get("SamplesPerPixel", 1))

    if photometric == "PALETTE COLOR":
        rgb = apply_color_lut(arr, ds).astype(np.float64)
        bits = int(ds.RedPaletteColorLookupTableDescriptor[2])
        return np.clip(np.rint(rgb * 255.0 / (2 ** bits - 1)), 0, 255).astype(np.uint8)

    if samples == 3:
        if photometric in ("YBR_FULL", "YBR_FULL_422") or job.get("referenceIsYbr"):
            arr = convert_color_space(arr, "YBR_FULL", "RGB")
        bits = int(ds.BitsStored)
        rgb = arr.astype(np.float64)
        return np.clip(np.rint(rgb * 255.0 / (2 ** bits - 1)), 0, 255).astype(np.uint8)

    # Enhanced multi-frame objects keep rescale in functional groups, which apply_modality_lut does
    # not read: the top-level attributes are set from what vesalius reported for that frame.
    rescale = job.get("rescale")
    if rescale and "RescaleSlope" not in ds and (rescale["slope"] != 1 or rescale["intercept"] != 0):
        ds.RescaleSlope = rescale["slope"]
        ds.RescaleIntercept = rescale["intercept"]
    values = apply_modality_lut(arr, ds)
    if job.get("voiLut"):
        # vesalius applied the file's VOI LUT Sequence: pydicom's default (prefer_lut) does too.
        out = apply_voi_lut(values, ds, index=0, prefer_lut=True).astype(np.float64)
        grey = out * 255.0 / float(2 ** ds.VOILUTSequence[0].LUTDescriptor[2] - 1)
        if photometric == "MONOCHROME1":
            grey = 255.0 - grey
        return np.clip(np.rint(grey), 0, 255).astype(np.uint8)
    window = job["window"]
    for keyword in ("VOILUTSequence", "WindowCenterWidthExplanation"):
        if keyword in ds:
            delattr(ds, keyword)
    ds.WindowCenter = window["center"]
    ds.WindowWidth = window["width"]
    ds.VOILUTFunction = window["function"]
    out = apply_voi_lut(values, ds, index=0, prefer_lut=False).astype(np.float64)
    y_min, y_max = voi_output_range(ds)
    grey = (out - y_min) / (y_max - y_min) * 255.0
    if photometric == "MONOCHROME1":
        grey = 255.0 - grey
    return np.clip(np.rint(grey), 0, 255).astype(np.uint8)


def main():
    jobs = json.load(sys.stdin)
    for index, job in enumerate(jobs):
        try:
            image = render(job)
        except Exception as e:  # pydicom's reason is reported as the reason it was left out
            print(json.dumps({"index": index, "ok": False, "reason": f"{type(e).__name__}: {e}"[:300]}), flush=True)
            continue
        image = np.ascontiguousarray(image)
        with open(job["out"], "wb") as f:
            f.write(image.tobytes())
        print(json.dumps({"index": index, "ok": True, "shape": list(image.shape)}), flush=True)


if __name__ == "__main__":
    main()
