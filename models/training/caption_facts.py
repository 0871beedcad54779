"""Facts a caption states — modality, plane, region — and how often generated captions state the
right ones (issue 12 item 5: "modality / plane / region accuracy of the captions").

A caption has the form "<modality>, <plane>, <region>. <findings>." (parts left out when not
known). `caption_facts` reads its FIRST sentence (up to the first ".") only, so a finding such as
"no ct artefact" cannot count as a modality:
  modality  captions.modality_of (ct; mri for mr/mri/t1/t2/flair/...; x-ray; ultrasound)
  plane     the first word that is a plane (axial, coronal, sagittal, pa, ap)
  region    the first word that is a region (head, chest, abdomen, pelvis, spine, neck, extremity)
A fact the caption does not state is None. Accuracy of a slot = over the items whose REFERENCE
states that slot, the fraction whose caption states the same value (a caption that leaves it out
is wrong).
"""
from __future__ import annotations

from captions import PLANES, modality_of
from tokenizer import split_words

SLOTS = ("modality", "plane", "region")
REGIONS = ("head", "chest", "abdomen", "pelvis", "spine", "neck", "extremity")


def first_sentence(caption: str) -> str:
    return caption.split(".", 1)[0]


def caption_facts(caption: str) -> dict:
    head = first_sentence(caption)
    words = split_words(head)
    plane = next((PLANES[w] for w in words if w in PLANES), None)
    region = next((w for w in words if w in REGIONS), None)
    return {"modality": modality_of(head), "plane": plane, "region": region}


def facts_accuracy(generated: list[str], reference_facts: list[dict]) -> dict:
    """Per slot: accuracy over the items whose reference states it, and how many those are; plus
    "modality_and_region": both right, over the items whose reference states both."""
    got = [caption_facts(c) for c in generated]
    out: dict = {}
    for slot in SLOTS:
        pairs = [(g[slot], r.get(slot)) for g, r in zip(got, reference_facts) if r.get(slot)]
        out[slot] = {"accuracy": (sum(a == b for a, b in pairs) / len(pairs)) if pairs else None,
                     "n": len(pairs)}
    both = [(g, r) for g, r in zip(got, reference_facts) if r.get("modality") and r.get("region")]
    out["modality_and_region"] = {
        "accuracy": (sum(g["modality"] == r["modality"] and g["region"] == r["region"] for g, r in both) / len(both))
        if both else None, "n": len(both)}
    return out


def header_reference_facts(facts: dict) -> dict:
    """Reference facts of a DICOM slice from its header facts (header_facts.header_facts): the
    header's body_part is the caption's region; "<unk>" slots state nothing."""
    def known(v):
        return None if v in (None, "<unk>") else v
    return {"modality": known(facts.get("modality")), "plane": known(facts.get("plane")),
            "region": known(facts.get("body_part"))}
