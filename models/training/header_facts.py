"""Header facts: the one rule that turns DICOM header tags into the model's header tokens
(model folder layout 0.3, "Header facts"). The TypeScript twin is core/model/header-facts.ts;
`--write-fixture` writes core/model/fixtures/header-facts-cases.json, and the TS test asserts it
gives the same facts for every case (CI has no Python, so the fixture is the cross-check).

Input: tags as the strings of the DICOM header, any of them absent:
  Modality (0008,0060), BodyPartExamined (0018,0015), ImageOrientationPatient (0020,0037: six
  numbers, backslash-separated as in the header), ContrastBolusAgent (0018,0010),
  StudyDescription (0008,1030), SeriesDescription (0008,103E).
Output: {"modality", "plane", "body_part", "contrast"}, each a value word or "<unk>".
  modality   Modality trimmed, upper-cased: CT ct; MR mri; CR DX DR RG MG x-ray; US ultrasound.
  plane      ImageOrientationPatient only: exactly 6 finite decimal numbers (each value trimmed,
             matching DECIMAL; anything else, e.g. "abc", "" or "1e999", makes the tag unusable),
             normal = row x column; the axis of the largest |component| (ties: x, then y, then z)
             if that |component| >= 0.8, else oblique: z axial, y coronal, x sagittal. The normal
             is NOT normalised (a header's direction cosines are unit vectors; a non-unit one is
             taken as written).
  body_part  BodyPartExamined trimmed, upper-cased, looked up in BODY_PARTS; absent or not in it:
             the whole words (runs of letters A-Z after upper-casing) of StudyDescription, then
             of SeriesDescription, the first word in BODY_PARTS wins.
  contrast   ContrastBolusAgent non-empty after trimming: contrast (absence is not "no contrast").
header_ids(facts, values): each slot's index in values[slot] (config.json header_fusion.values),
0 when the value is not in the list. Non-DICOM images: all zeros (no tags at all gives that too).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re

UNK = "<unk>"
SLOTS = ["modality", "plane", "body_part", "contrast"]
# index 0 of every list is "<unk>"; the lists may grow (the app reads them from config.json)
VALUES = {
    "modality": [UNK, "ct", "mri", "x-ray", "ultrasound"],
    "plane": [UNK, "axial", "coronal", "sagittal"],
    "body_part": [UNK, "chest", "head", "abdomen", "pelvis", "spine", "neck", "extremity"],
    "contrast": [UNK, "contrast"],
}
MODALITIES = {"CT": "ct", "MR": "mri", "CR": "x-ray", "DX": "x-ray", "DR": "x-ray", "RG": "x-ray",
              "MG": "x-ray", "US": "ultrasound"}
BODY_PARTS = {
    **dict.fromkeys(("CHEST", "THORAX", "LUNG", "LUNGS", "BREAST"), "chest"),
    **dict.fromkeys(("HEAD", "BRAIN", "SKULL"), "head"),
    **dict.fromkeys(("ABDOMEN", "LIVER", "KIDNEY", "ABDOMENPELVIS"), "abdomen"),
    **dict.fromkeys(("PELVIS", "HIP"), "pelvis"),
    **dict.fromkeys(("SPINE", "CSPINE", "TSPINE", "LSPINE"), "spine"),
    "NECK": "neck",
    **dict.fromkeys(("HAND", "FOOT", "KNEE", "SHOULDER", "ELBOW", "ANKLE", "WRIST", "ARM", "LEG",
                     "EXTREMITY"), "extremity"),
}
PLANE_MIN_COMPONENT = 0.8
PLANE_OF_AXIS = ("sagittal", "coronal", "axial")  # x, y, z
# a DICOM decimal string (DS) value: what both Python's float() and JS Number() read the same way
DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_WORD = re.compile(r"[A-Z]+")
TAG_NAMES = ("Modality", "BodyPartExamined", "ImageOrientationPatient", "ContrastBolusAgent",
             "StudyDescription", "SeriesDescription")


def _text(tags: dict, name: str) -> str:
    v = tags.get(name)
    return "" if v is None else str(v)


def modality_fact(tags: dict) -> str:
    return MODALITIES.get(_text(tags, "Modality").strip().upper(), UNK)


def orientation_numbers(value) -> list[float] | None:
    """The six direction cosines of ImageOrientationPatient, or None when it is not six finite
    decimal numbers. Accepts the header string ("1\\0\\0\\0\\1\\0") or a sequence of values."""
    if value is None:
        return None
    parts = str(value).split("\\") if isinstance(value, str) else [str(v) for v in value]
    if len(parts) != 6:
        return None
    out = []
    for p in parts:
        p = p.strip()
        if not DECIMAL.match(p):
            return None
        x = float(p)
        if not math.isfinite(x):
            return None
        out.append(x)
    return out


def plane_fact(tags: dict) -> str:
    iop = orientation_numbers(tags.get("ImageOrientationPatient"))
    if iop is None:
        return UNK
    r, c = iop[:3], iop[3:]
    normal = (r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0])
    mags = [abs(v) for v in normal]
    axis = max(range(3), key=lambda i: (mags[i], -i))  # ties: x before y before z
    return PLANE_OF_AXIS[axis] if mags[axis] >= PLANE_MIN_COMPONENT else UNK


def body_part_fact(tags: dict) -> str:
    part = BODY_PARTS.get(_text(tags, "BodyPartExamined").strip().upper())
    if part:
        return part
    for name in ("StudyDescription", "SeriesDescription"):
        for word in _WORD.findall(_text(tags, name).upper()):
            if word in BODY_PARTS:
                return BODY_PARTS[word]
    return UNK


def contrast_fact(tags: dict) -> str:
    return "contrast" if _text(tags, "ContrastBolusAgent").strip() else UNK


def header_facts(tags: dict) -> dict:
    """The four facts of a header's tags (missing tags are simply absent from `tags`)."""
    return {"modality": modality_fact(tags), "plane": plane_fact(tags), "body_part": body_part_fact(tags),
            "contrast": contrast_fact(tags)}


def header_ids(facts: dict, values: dict | None = None, slots: list[str] | None = None) -> list[int]:
    """`header_ids` row for the image encoder: each slot's index in values[slot], 0 if not listed."""
    values = VALUES if values is None else values
    slots = SLOTS if slots is None else slots
    return [values[s].index(facts.get(s, UNK)) if facts.get(s, UNK) in values[s] else 0 for s in slots]


NO_FACTS = {s: UNK for s in SLOTS}


def tags_of_dataset(ds) -> dict:
    """The rule's input tags from a pydicom Dataset (absent tags left out; IOP as header text)."""
    tags = {}
    for name in TAG_NAMES:
        if name not in ds:
            continue
        v = ds.get(name)
        if v is None:
            continue
        if name == "ImageOrientationPatient":
            tags[name] = "\\".join(str(x) for x in v) if not isinstance(v, str) else v
        else:
            tags[name] = str(v)
    return tags


AXIAL = "1\\0\\0\\0\\1\\0"
CORONAL = "1\\0\\0\\0\\0\\-1"
SAGITTAL = "0\\1\\0\\0\\0\\-1"

# (name, tags): the fixture's cases; their facts are computed by the rule above
FIXTURE_CASES = [
    ("ct_axial_chest_contrast", {"Modality": "CT", "BodyPartExamined": "CHEST", "ImageOrientationPatient": AXIAL,
                                 "ContrastBolusAgent": "IOPAMIDOL"}),
    ("no_tags", {}),
    ("mr_sagittal_head", {"Modality": "MR", "BodyPartExamined": "HEAD", "ImageOrientationPatient": SAGITTAL}),
    ("mr_coronal_brain", {"Modality": "MR", "BodyPartExamined": "BRAIN", "ImageOrientationPatient": CORONAL}),
    ("cr_chest_no_iop", {"Modality": "CR", "BodyPartExamined": "CHEST"}),
    ("dx_thorax", {"Modality": "DX", "BodyPartExamined": "THORAX"}),
    ("dr_hand", {"Modality": "DR", "BodyPartExamined": "HAND"}),
    ("rg_knee", {"Modality": "RG", "BodyPartExamined": "KNEE"}),
    ("mg_breast", {"Modality": "MG", "BodyPartExamined": "BREAST"}),
    ("us_abdomen", {"Modality": "US", "BodyPartExamined": "ABDOMEN"}),
    ("us_with_iop_axial", {"Modality": "US", "ImageOrientationPatient": AXIAL}),
    ("nm_unknown_modality", {"Modality": "NM", "BodyPartExamined": "CHEST", "ImageOrientationPatient": AXIAL}),
    ("ot_unknown_modality", {"Modality": "OT"}),
    ("modality_lower_case_padded", {"Modality": " ct ", "BodyPartExamined": " chest "}),
    ("body_part_lower_case", {"Modality": "CT", "BodyPartExamined": "lungs"}),
    ("oblique_iop", {"Modality": "CT", "ImageOrientationPatient": "1\\0\\0\\0\\0.7071068\\0.7071068"}),
    ("nearly_axial_tilted", {"Modality": "CT", "ImageOrientationPatient": "1\\0\\0\\0\\0.95\\-0.3122499"}),
    ("iop_five_numbers", {"Modality": "CT", "ImageOrientationPatient": "1\\0\\0\\0\\1"}),
    ("iop_seven_numbers", {"Modality": "CT", "ImageOrientationPatient": "1\\0\\0\\0\\1\\0\\0"}),
    ("iop_garbage", {"Modality": "CT", "ImageOrientationPatient": "abc\\0\\0\\0\\1\\0"}),
    ("iop_empty_value", {"Modality": "CT", "ImageOrientationPatient": "1\\\\0\\0\\1\\0"}),
    ("iop_infinite", {"Modality": "CT", "ImageOrientationPatient": "1e999\\0\\0\\0\\1\\0"}),
    ("iop_nan", {"Modality": "CT", "ImageOrientationPatient": "NaN\\0\\0\\0\\1\\0"}),
    ("iop_hex_not_decimal", {"Modality": "CT", "ImageOrientationPatient": "0x1\\0\\0\\0\\1\\0"}),
    ("iop_padded_exponent", {"Modality": "MR", "ImageOrientationPatient": " 1.0E0 \\ 0 \\ 0 \\ 0 \\ 0 \\ -1.0 "}),
    ("iop_zero_vectors", {"Modality": "CT", "ImageOrientationPatient": "0\\0\\0\\0\\0\\0"}),
    ("iop_empty_string", {"Modality": "CT", "ImageOrientationPatient": ""}),
    ("iop_sagittal_negative", {"Modality": "MR", "ImageOrientationPatient": "0\\-1\\0\\0\\0\\1"}),
    ("abdomenpelvis_tag", {"Modality": "CT", "BodyPartExamined": "ABDOMENPELVIS"}),
    ("pelvis_hip", {"Modality": "CT", "BodyPartExamined": "HIP"}),
    ("spine_tspine", {"Modality": "MR", "BodyPartExamined": "TSPINE"}),
    ("neck", {"Modality": "CT", "BodyPartExamined": "NECK"}),
    ("unmatched_body_part_description_fallback", {"Modality": "CT", "BodyPartExamined": "TORSO",
                                                  "StudyDescription": "CT THORAX W CONTRAST"}),
    ("absent_body_part_study_description", {"Modality": "CT", "StudyDescription": "Abdomen^Liver routine"}),
    ("study_first_then_series", {"Modality": "CT", "StudyDescription": "ROUTINE", "SeriesDescription": "Head 5mm"}),
    ("study_wins_over_series", {"Modality": "CT", "StudyDescription": "pelvis", "SeriesDescription": "chest"}),
    ("description_first_word_wins", {"Modality": "MR", "StudyDescription": "KNEE and HIP"}),
    ("description_split_on_digits_and_punctuation", {"Modality": "MR", "StudyDescription": "C-SPINE2views"}),
    ("description_substring_not_a_word", {"Modality": "CT", "StudyDescription": "CHESTY HEADLINE"}),
    ("body_part_tag_wins_over_description", {"Modality": "CT", "BodyPartExamined": "HEAD",
                                             "StudyDescription": "CHEST"}),
    ("nothing_matches", {"Modality": "CT", "BodyPartExamined": "UNKNOWN", "StudyDescription": "routine scan",
                         "SeriesDescription": "5mm"}),
    ("contrast_blank", {"Modality": "CT", "ContrastBolusAgent": "   "}),
    ("contrast_any_text", {"Modality": "MR", "ContrastBolusAgent": " gadolinium "}),
    ("non_letters_only_description", {"Modality": "CT", "StudyDescription": "123 456"}),
]


def fixture() -> list[dict]:
    return [{"name": name, "tags": tags, "facts": header_facts(tags)} for name, tags in FIXTURE_CASES]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--write-fixture", action="store_true",
                    help="write core/model/fixtures/header-facts-cases.json (the TS cross-check)")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "core",
                                                  "model", "fixtures", "header-facts-cases.json"))
    a = ap.parse_args()
    cases = fixture()
    if a.write_fixture:
        out = os.path.normpath(a.out)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out, "w") as f:
            json.dump(cases, f, indent=1)
            f.write("\n")
        print(f"{len(cases)} cases -> {out}")
    else:
        for c in cases:
            print(c["name"], json.dumps(c["facts"]))


if __name__ == "__main__":
    main()
