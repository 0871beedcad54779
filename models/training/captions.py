"""Deterministic structured captions derived from the expert VQA-RAD question-answer pairs.

caption = "<modality>, <plane>, <organ>. <finding>. <finding>. ..."  (parts that no QA pair
states are left out). Derivation, per image, over its QA pairs sorted by qid:
  organ     image_organ: HEAD -> head, CHEST -> chest, ABD -> abdomen.
  modality  first OPEN answer to a MODALITY question mapped by keyword (ct; mri for
            mr/mri/t1/t2/flair/dwi/adc/diffusion; x-ray for x-ray/xray/x ray/cxr/radiograph/
            film; ultrasound), else the first CLOSED "is this a(n) <modality> ..." answered yes.
  plane     first OPEN answer to a PLANE question that is axial/coronal/sagittal/pa/ap
            (posteroanterior -> pa, anteroposterior -> ap), else a CLOSED "... <plane> ..." yes.
  findings  CLOSED yes/no questions matching (in this order):
              "is this (image|study|a normal image|...) normal/abnormal", "are the findings normal"
                  -> "normal study." / "abnormal study."
              "is/are the <X> normal"            -> "normal <X>." / "abnormal <X>."
              "is/are there (a|an|any|evidence of)? <X> (present)?"  /  "is (a|an) <X> present"
                                                   -> "<X>." / "no <X>."
            then OPEN answers to "where is the abnormality|lesion|mass|pathology" -> "lesion in <A>."
            Each distinct finding text is kept once; at most MAX_FINDINGS, in qid order.
The same derivation is used for train and test images; test images' captions (any image that
appears in testset.json) use all of that image's QA pairs and are never used for training.
"""
from __future__ import annotations

import re

from tokenizer import split_words

MAX_FINDINGS = 6
ORGANS = {"HEAD": "head", "CHEST": "chest", "ABD": "abdomen"}
ARTICLES = {"a", "an", "the"}


def normalise_answer(text: str) -> str:
    """Normalised form for exact match: lowercase, tokenised, articles dropped, single spaces."""
    return " ".join(w for w in split_words(text) if w not in ARTICLES)


def _clean(text: str) -> str:
    return " ".join(split_words(text))


def modality_of(text: str) -> str | None:
    words = set(split_words(text))
    t = " ".join(split_words(text))
    if "ct" in words:
        return "ct"
    if words & {"mr", "mri", "t1", "t2", "flair", "dwi", "adc", "diffusion"}:
        return "mri"
    if "x - ray" in t or words & {"xray", "cxr", "radiograph", "film", "x"}:
        return "x-ray"
    if "ultrasound" in words:
        return "ultrasound"
    return None


PLANES = {"axial": "axial", "coronal": "coronal", "sagittal": "sagittal", "pa": "pa", "ap": "ap",
          "posteroanterior": "pa", "anteroposterior": "ap"}

_RE_NORMAL_IMAGE = re.compile(
    r"^(is|are) (this|the|these) (image|images|study|film|scan|ct|radiograph|a normal image|findings)\s*(normal|abnormal)?")
_RE_FINDINGS_NORMAL = re.compile(r"^(are the findings normal|is this a normal image|is this normal)")
_RE_ORGAN_NORMAL = re.compile(r"^(is|are|is/are) (the )?([a-z ]+?) (normal|abnormal)$")
_RE_THERE = re.compile(
    r"^(is|are|is/are) there (a |an |any |evidence of (a |an )?)?([a-z \-']+?)( present)?$")
_RE_PRESENT = re.compile(r"^(is|are) (a |an |there )?([a-z \-']+?) present$")
_RE_THIS_MODALITY = re.compile(r"\b(?:this|the) (ct|mri|mr|x - ray|xray|radiograph|film|cxr)\b")
_RE_WHERE = re.compile(r"^where is the (abnormality|lesion|mass|pathology)")


def _question_core(q: str) -> str:
    q = q.lower().strip()
    q = re.sub(r"-\s*yes/no$", "", q).strip()
    q = q.rstrip("?. ").strip()
    return re.sub(r"\s+", " ", q)


def finding_of(question: str, answer: str) -> str | None:
    a = normalise_answer(answer)
    if a not in ("yes", "no"):
        return None
    yes = a == "yes"
    q = _question_core(question)
    m = _RE_NORMAL_IMAGE.match(q)
    if m or _RE_FINDINGS_NORMAL.match(q):
        abnormal_word = "abnormal" in q
        normal = yes != abnormal_word
        return "normal study" if normal else "abnormal study"
    m = _RE_ORGAN_NORMAL.match(q)
    if m and len(m.group(3).split()) <= 3:
        normal = yes != (m.group(4) == "abnormal")
        return f"{'normal' if normal else 'abnormal'} {_clean(m.group(3))}"
    m = _RE_THERE.match(q)
    x = None
    if m:
        x = m.group(4)
    else:
        m = _RE_PRESENT.match(q)
        if m:
            x = m.group(3)
    if x is None:
        return None
    x = x.replace("in the patient's", "in").replace("patient's", "")
    words = _clean(x)
    if not words or len(words.split()) > 6:
        return None
    return words if yes else f"no {words}"


def derive_caption(organ_code: str, qas: list[dict]) -> str:
    qas = sorted(qas, key=lambda r: r["qid"])
    organ = ORGANS.get(organ_code.strip().upper())
    modality = plane = None
    for r in qas:
        typ = r["question_type"].upper()
        closed = r["answer_type"].strip().upper() == "CLOSED"
        ans = normalise_answer(str(r["answer"]))
        q = " ".join(split_words(r["question"]))
        negated = " not " in f" {q} "
        if "MODALITY" in typ and modality is None and not negated:
            if not closed:
                modality = modality_of(ans)
            elif ans == "yes" and q.startswith("is this"):
                modality = modality_of(q)
        if "PLANE" in typ and plane is None:
            if not closed and ans in PLANES:
                plane = PLANES[ans]
            elif closed and ans == "yes":
                hits = [PLANES[w] for w in split_words(r["question"]) if w in PLANES]
                if len(hits) == 1:
                    plane = hits[0]
    if modality is None:
        # weaker evidence: a question that names the modality of "this" image
        for r in qas:
            m = _RE_THIS_MODALITY.search(" ".join(split_words(r["question"])))
            if m:
                modality = modality_of(m.group(1))
                break
    findings: list[str] = []
    for r in qas:
        if r["answer_type"].strip().upper() == "CLOSED":
            f = finding_of(r["question"], str(r["answer"]))
        else:
            f = None
            if _RE_WHERE.match(_question_core(r["question"])):
                loc = normalise_answer(str(r["answer"]))
                if loc and len(loc.split()) <= 6:
                    f = f"lesion in {loc}"
        if f and f not in findings and len(findings) < MAX_FINDINGS:
            findings.append(f)
    head = ", ".join(p for p in (modality, plane, organ) if p)
    parts = ([head] if head else []) + findings
    return ". ".join(parts) + "."


def header_caption(facts: dict, findings: list[str] | None = None) -> str:
    """A caption in the 0.3 form from header facts: "<modality>, <plane>, <region>." + findings
    ("<unk>" slots left out), e.g. "mri, sagittal, head." or "ct, axial, chest. lungs."."""
    head = ", ".join(facts[s] for s in ("modality", "plane", "body_part") if facts.get(s, "<unk>") != "<unk>")
    return ". ".join(([head] if head else []) + list(findings or [])) + "."


def captions_by_image(qa_rows: list[dict]) -> dict[str, str]:
    by_image: dict[str, list[dict]] = {}
    organ: dict[str, str] = {}
    for r in qa_rows:
        by_image.setdefault(r["image_name"], []).append(r)
        organ.setdefault(r["image_name"], r["image_organ"])
    return {img: derive_caption(organ[img], rows) for img, rows in sorted(by_image.items())}
