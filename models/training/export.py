"""Export a trained (or random) VesaliusVLM to a model folder (see the model folder spec).

Writes config.json, tokenizer.json, preprocessor_config.json, image_encoder.onnx,
text_decoder.onnx, mask_decoder.onnx (+ image_embed.onnx, text_embed.onnx with the contrastive
heads) and reference/ (parity data computed by PyTorch).
Layout 0.3 (a model with header fusion and the presence head): config.json gets header_fusion,
presence_threshold, caption_prefix_slots, vqa, answer_probability; image_encoder.onnx the input
header_ids; mask_decoder.onnx the output presence_logits; preprocessor_config.json "fit": "pad".
A 0.2 architecture exports the 0.2.0 layout unchanged (version aside).
Usage: export.py <checkpoint.npz> <out_dir>   (written by train.py: dims, vocab, weights)
"""
from __future__ import annotations

import json
import os
import sys

import numpy as np
import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import (ModelDims, VesaliusVLM, EncoderExport, HeaderEncoderExport, TextExport,  # noqa: E402
                   MaskExport, RefinedMaskExport, ImageEmbedExport, TextEmbedExport)
from header_facts import SLOTS as HEADER_SLOTS, VALUES as HEADER_VALUES, header_facts, header_ids  # noqa: E402
from preprocess import preprocess_hu, preprocess_gray8, write_preprocessor_config  # noqa: E402
from tokenizer import WordTokenizer, BOS, EOS, PAD, CAPTION, VQA, SEG, SEP  # noqa: E402

VERSION = "0.3.0"
OPSET = 17
SEGMENT_PROMPTS = ["lung", "left lung", "right lung"]
ENCODER_OUTPUTS = ["image_embeds", "pixel_features"]
# layout 0.3 inference rules (interface 0.3; the app and infer.py read them from config.json)
PRESENCE_THRESHOLD = 0.5
CAPTION_PREFIX_SLOTS = ["modality", "plane"]
VQA_RULES = {"max_question_tokens": 40, "max_unknown_fraction": 0.5}
ANSWER_PROBABILITY = "sequence"
# a model with a mask refiner: its mask decoder's extra input (the image preprocessed at mask_size)
HIRES_INPUT = "pixel_values_hires"


def header_values_for(dims: ModelDims) -> dict:
    """header_fusion.values of a model: header_facts.VALUES, checked against the table sizes the
    weights were trained with (a grown list needs a retrained model)."""
    sizes = [len(HEADER_VALUES[s]) for s in HEADER_SLOTS]
    if list(dims.header_vocab) != sizes:
        raise ValueError(f"the model's header tables have {list(dims.header_vocab)} rows, header_facts.VALUES "
                         f"has {sizes}: export with the value lists it was trained with")
    return {s: list(HEADER_VALUES[s]) for s in HEADER_SLOTS}


def fit_of(dims: ModelDims) -> str:
    """Preprocessing fit: "pad" (aspect ratio kept) for a 0.3 model, "stretch" for a 0.2 one."""
    return "pad" if dims.header_vocab or dims.presence_head else "stretch"


def model_config(dims: ModelDims, n_params: int, extra: dict | None = None, logit_scale: float | None = None,
                 version: str = VERSION) -> dict:
    cfg = {
        "model_type": "vesalius-vlm",
        "version": version,
        "image_size": dims.image_size,
        "patch_size": dims.patch_size,
        "hidden_size": dims.hidden_size,
        "num_heads": dims.num_heads,
        "encoder_layers": dims.encoder_layers,
        "decoder_layers": dims.decoder_layers,
        "max_text_len": dims.max_text_len,
        "vocab_size": dims.vocab_size,
        "bos_token_id": BOS,
        "eos_token_id": EOS,
        "pad_token_id": PAD,
        "task_prefixes": {"caption": "<caption>", "vqa": "<vqa>", "segment": "<seg>"},
        "max_answer_tokens": 8,
        "max_caption_tokens": 40,
        "segment_prompts": SEGMENT_PROMPTS,
        "mask_threshold": 0.5,
        "files": {"image_encoder": "image_encoder.onnx", "text_decoder": "text_decoder.onnx",
                  "mask_decoder": "mask_decoder.onnx"},
        "encoder_outputs": ENCODER_OUTPUTS,
        "text_decoder_inputs": ["input_ids", "image_embeds"],
        "mask_decoder_inputs": ["prompt_ids", "image_embeds", "pixel_features"],
        "pixel_features_shape": [dims.pixel_feature_channels, dims.image_size // 4, dims.image_size // 4],
        "parameters": n_params,
        "architecture": dims.to_json(),
    }
    if dims.header_vocab:
        cfg["encoder_inputs"] = ["pixel_values", "header_ids"]
        cfg["header_fusion"] = {"slots": list(HEADER_SLOTS), "values": header_values_for(dims),
                                "rule": "models/training/header_facts.py (core/model/header-facts.ts)"}
        cfg["caption_prefix_slots"] = list(CAPTION_PREFIX_SLOTS)
    if dims.mask_size:
        cfg["mask_size"] = dims.mask_size
        cfg["mask_decoder_inputs"] = cfg["mask_decoder_inputs"] + [HIRES_INPUT]
    if dims.presence_head:
        cfg["mask_decoder_outputs"] = ["mask_logits", "presence_logits"]
        cfg["presence_threshold"] = PRESENCE_THRESHOLD
    if dims.header_vocab or dims.presence_head:
        cfg["vqa"] = dict(VQA_RULES)
        cfg["answer_probability"] = ANSWER_PROBABILITY
    if dims.embed_dim > 0:
        cfg["files"].update({"image_embed": "image_embed.onnx", "text_embed": "text_embed.onnx"})
        cfg["embeddings"] = {
            "embed_dim": dims.embed_dim,
            "image_embed_inputs": ["image_embeds"], "image_embed_outputs": ["image_embed"],
            "text_embed_inputs": ["input_ids"], "text_embed_outputs": ["text_embed"],
            "text_format": "<bos> words <eos>, right-padded with <pad> (pad positions are ignored)",
            "normalised": "L2 (cosine similarity = dot product)",
            "logit_scale": logit_scale,
        }
    if extra:
        cfg.update(extra)
    return cfg


def export_onnx(model: VesaliusVLM, out_dir: str) -> None:
    model.eval()
    d = model.dims
    s = d.image_size
    pv = torch.zeros(2, 1, s, s)
    fused = model.encoder.fuses_header
    hid = torch.tensor([[1, 1, 1, 0], [0, 0, 0, 0]], dtype=torch.long)[:, :len(d.header_vocab)]
    with torch.no_grad():
        emb, feat = model.encoder(pv, hid) if fused else model.encoder(pv)
    ids = torch.tensor([[BOS, VQA, 9, 10, SEP], [BOS, CAPTION, 9, 10, 11]], dtype=torch.long)
    prompt = torch.tensor([[BOS, SEG, 9], [BOS, SEG, 10]], dtype=torch.long)
    if fused:
        encoder_job = ("image_encoder.onnx", HeaderEncoderExport(model), (pv, hid), ["pixel_values", "header_ids"],
                       ENCODER_OUTPUTS, {"pixel_values": {0: "batch"}, "header_ids": {0: "batch"},
                                         "image_embeds": {0: "batch"}, "pixel_features": {0: "batch"}})
    else:
        encoder_job = ("image_encoder.onnx", EncoderExport(model), (pv,), ["pixel_values"], ENCODER_OUTPUTS,
                       {"pixel_values": {0: "batch"}, "image_embeds": {0: "batch"}, "pixel_features": {0: "batch"}})
    mask_outputs = ["mask_logits", "presence_logits"] if d.presence_head else ["mask_logits"]
    mask_axes = {"prompt_ids": {0: "batch", 1: "prompt_length"}, "image_embeds": {0: "batch"},
                 "pixel_features": {0: "batch"}, "mask_logits": {0: "batch"}}
    if d.presence_head:
        mask_axes["presence_logits"] = {0: "batch"}
    mask_job = ("mask_decoder.onnx", MaskExport(model), (prompt, emb, feat),
                ["prompt_ids", "image_embeds", "pixel_features"], mask_outputs, mask_axes)
    if d.mask_size:
        hires = torch.zeros(2, 1, d.mask_size, d.mask_size)
        mask_job = ("mask_decoder.onnx", RefinedMaskExport(model), (prompt, emb, feat, hires),
                    ["prompt_ids", "image_embeds", "pixel_features", HIRES_INPUT], mask_outputs,
                    {**mask_axes, HIRES_INPUT: {0: "batch"}})
    jobs = [
        encoder_job,
        ("text_decoder.onnx", TextExport(model), (ids, emb), ["input_ids", "image_embeds"], ["logits"],
         {"input_ids": {0: "batch", 1: "sequence"}, "image_embeds": {0: "batch"},
          "logits": {0: "batch", 1: "sequence"}}),
        mask_job,
    ]
    if model.has_embeddings:
        text_ids = torch.tensor([[BOS, 9, 10, EOS], [BOS, 11, EOS, PAD]], dtype=torch.long)
        jobs += [
            ("image_embed.onnx", ImageEmbedExport(model), (emb,), ["image_embeds"], ["image_embed"],
             {"image_embeds": {0: "batch"}, "image_embed": {0: "batch"}}),
            ("text_embed.onnx", TextEmbedExport(model), (text_ids,), ["input_ids"], ["text_embed"],
             {"input_ids": {0: "batch", 1: "sequence"}, "text_embed": {0: "batch"}}),
        ]
    for fname, wrapper, args, in_names, out_names, axes in jobs:
        path = os.path.join(out_dir, fname)
        # The graphs have no dropout/batch-norm, so train mode exports the same computation; it
        # stops torch from merging initializers that merely have equal values (every parameter
        # then keeps its own name, see load_onnx_weights).
        wrapper.train()
        torch.onnx.export(wrapper, args, path, input_names=in_names, output_names=out_names,
                          dynamic_axes=axes, opset_version=OPSET,
                          training=torch.onnx.TrainingMode.PRESERVE,
                          # no folding: initializers keep their PyTorch parameter names, so
                          # evaluate.py can rebuild the exact shipped weights from the ONNX files
                          do_constant_folding=False)
        onnx.checker.check_model(onnx.load(path))
        wrapper.eval()


class RefWriter:
    def __init__(self, ref_dir: str):
        self.dir = ref_dir
        os.makedirs(ref_dir, exist_ok=True)

    def put(self, name: str, arr) -> dict:
        if isinstance(arr, torch.Tensor):
            arr = arr.detach().cpu().numpy()
        arr = np.ascontiguousarray(arr)
        dtype = {np.dtype("float32"): "float32", np.dtype("int64"): "int64",
                 np.dtype("uint8"): "uint8", np.dtype("int16"): "int16"}[arr.dtype]
        fname = f"{name}.bin"
        arr.astype(arr.dtype.newbyteorder("<")).tofile(os.path.join(self.dir, fname))
        return {"file": fname, "dtype": dtype, "shape": list(arr.shape)}


def synthetic_ct(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """Stored values (int16) of a chest-like slice, slope 1 intercept -1024: air, body, two
    lungs, bone brighter than the window (values beyond hu_max) and a padding value below it."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cy, cx = h / 2, w / 2
    stored = np.full((h, w), 24.0, np.float32)  # air, HU -1000
    body = ((yy - cy) / (0.42 * h)) ** 2 + ((xx - cx) / (0.45 * w)) ** 2 < 1
    stored[body] = 1064.0  # soft tissue, HU 40
    for side in (-1, 1):
        lung = ((yy - cy) / (0.3 * h)) ** 2 + ((xx - cx - side * 0.2 * w) / (0.14 * w)) ** 2 < 1
        stored[lung] = 200.0  # lung, HU -824
    spine = ((yy - cy - 0.3 * h) / (0.06 * h)) ** 2 + ((xx - cx) / (0.05 * w)) ** 2 < 1
    stored[spine] = 3000.0  # bone HU 1976, above the window
    stored += rng.normal(0, 20, size=(h, w)).astype(np.float32)
    stored[:4, :] = -2000.0  # padding value, HU -3024, below the window
    return np.round(stored).astype(np.int16)


def write_reference(model: VesaliusVLM, tok: WordTokenizer, out_dir: str, seed: int = 1234) -> None:
    model.eval()
    s = model.dims.image_size
    fit = fit_of(model.dims)
    fused = model.encoder.fuses_header
    rng = np.random.default_rng(seed)
    ref = RefWriter(os.path.join(out_dir, "reference"))
    # --- preprocessing cases ---
    ct_raw = synthetic_ct(300, 280, rng)
    yy, xx = np.mgrid[0:130, 0:180]
    gray = ((xx * 1.2 + yy * 0.5 + rng.integers(0, 30, size=(130, 180))) % 256).astype(np.uint8)
    rgb = rng.integers(0, 256, size=(90, 120, 3)).astype(np.uint8)
    pv_ct = preprocess_hu(ct_raw, s, slope=1.0, intercept=-1024.0, fit=fit)
    pv_gray = preprocess_gray8(gray, s, fit=fit)
    pv_rgb = preprocess_gray8(rgb, s, fit=fit)
    preprocess_cases = [
        {"name": "ct_hu_300x280", "kind": "hu", "raw": ref.put("pre_ct_raw", ct_raw), "slope": 1.0,
         "intercept": -1024.0, "pixel_values": ref.put("pre_ct_pixel_values", pv_ct)},
        {"name": "gray8_180x130", "kind": "gray8", "raw": ref.put("pre_gray_raw", gray),
         "pixel_values": ref.put("pre_gray_pixel_values", pv_gray)},
        {"name": "rgb8_120x90", "kind": "gray8", "raw": ref.put("pre_rgb_raw", rgb),
         "pixel_values": ref.put("pre_rgb_pixel_values", pv_rgb)},
    ]
    if fit == "pad":  # non-square cases: wide HU (96 wide x 48 high), tall gray8 (40 wide x 72 high)
        wide_ct = synthetic_ct(48, 96, rng)
        yy, xx = np.mgrid[0:72, 0:40]
        tall = ((xx * 3 + yy * 2 + rng.integers(0, 40, size=(72, 40))) % 256).astype(np.uint8)
        preprocess_cases += [
            {"name": "ct_hu_96x48_wide", "kind": "hu", "raw": ref.put("pre_wide_ct_raw", wide_ct), "slope": 1.0,
             "intercept": -1024.0,
             "pixel_values": ref.put("pre_wide_ct_pixel_values", preprocess_hu(wide_ct, s, 1.0, -1024.0, fit))},
            {"name": "gray8_40x72_tall", "kind": "gray8", "raw": ref.put("pre_tall_gray_raw", tall),
             "pixel_values": ref.put("pre_tall_gray_pixel_values", preprocess_gray8(tall, s, fit))},
        ]
    r = model.dims.mask_size
    if r:  # every preprocessing case also at the refiner's resolution
        raws = {"ct_hu_300x280": ct_raw, "gray8_180x130": gray, "rgb8_120x90": rgb}
        if fit == "pad":
            raws.update({"ct_hu_96x48_wide": wide_ct, "gray8_40x72_tall": tall})
        for case in preprocess_cases:
            raw = raws[case["name"]]
            hv = (preprocess_hu(raw, r, case["slope"], case["intercept"], fit) if case["kind"] == "hu"
                  else preprocess_gray8(raw, r, fit))
            case["pixel_values_hires"] = ref.put(case["pixel_values"]["file"][:-4] + "_hires", hv)
    # --- model cases (inputs shared by file with the preprocessing cases) ---
    cases = []
    ct_inputs = {"pixel_values": preprocess_cases[0]["pixel_values"]}
    gray_inputs = {"pixel_values": preprocess_cases[1]["pixel_values"]}
    if fused:
        # the CT case with the facts of a CT axial chest header (+ contrast); the gray8 case as a
        # non-DICOM image (all zeros)
        facts = header_facts({"Modality": "CT", "ImageOrientationPatient": "1\\0\\0\\0\\1\\0",
                              "BodyPartExamined": "CHEST", "ContrastBolusAgent": "IOHEXOL"})
        hid_a = torch.tensor([header_ids(facts, header_values_for(model.dims))], dtype=torch.long)
        hid_b = torch.zeros(1, len(HEADER_SLOTS), dtype=torch.long)
        ct_inputs["header_ids"] = ref.put("enc_ct_header_ids", hid_a)
        gray_inputs["header_ids"] = ref.put("enc_gray_header_ids", hid_b)
    with torch.no_grad():
        emb_a, feat_a = model.encoder(pv_ct, hid_a) if fused else model.encoder(pv_ct)
        emb_b, _ = model.encoder(pv_gray, hid_b) if fused else model.encoder(pv_gray)
    emb_a_ref = ref.put("enc_ct_image_embeds", emb_a)
    feat_a_ref = ref.put("enc_ct_pixel_features", feat_a)
    emb_b_ref = ref.put("enc_gray_image_embeds", emb_b)
    cases.append({"name": "encoder_ct_header" if fused else "encoder_ct", "inputs": ct_inputs,
                  "outputs": {"image_encoder.onnx:image_embeds": emb_a_ref,
                              "image_encoder.onnx:pixel_features": feat_a_ref}})
    # second encoder case: only image_embeds stored (keeps reference/ under 2 MB)
    cases.append({"name": "encoder_gray", "inputs": gray_inputs,
                  "outputs": {"image_encoder.onnx:image_embeds": emb_b_ref}})
    caption_ids = torch.tensor([[BOS, CAPTION]], dtype=torch.long)
    question = "is there a pneumothorax?"
    vqa_ids = torch.tensor([[BOS, VQA] + tok.encode(question) + [SEP]], dtype=torch.long)
    for name, ids, emb, emb_ref in (("text_caption_prefix", caption_ids, emb_a, emb_a_ref),
                                    ("text_vqa_question", vqa_ids, emb_b, emb_b_ref)):
        with torch.no_grad():
            logits = model.text(ids, emb)
        cases.append({"name": name, "text": "<bos> <caption>" if ids is caption_ids else
                      f"<bos> <vqa> {question} <sep>",
                      "inputs": {"input_ids": ref.put(f"{name}_input_ids", ids), "image_embeds": emb_ref},
                      "outputs": {"text_decoder.onnx:logits": ref.put(f"{name}_logits", logits)}})
    for name, prompt in (("mask_lung", "lung"), ("mask_left_lung", "left lung")):
        pids = torch.tensor([[BOS, SEG] + tok.encode(prompt)], dtype=torch.long)
        hires_a = (preprocess_hu(ct_raw, r, slope=1.0, intercept=-1024.0, fit=fit) if r else None)
        with torch.no_grad():
            out = model.mask(pids, emb_a, feat_a, hires_a)
        ml, presence = out if model.dims.presence_head else (out, None)
        outputs = {"mask_decoder.onnx:mask_logits": ref.put(f"{name}_mask_logits", ml)}
        if presence is not None:
            outputs["mask_decoder.onnx:presence_logits"] = ref.put(f"{name}_presence_logits", presence)
        cases.append({"name": name, "text": f"<bos> <seg> {prompt}",
                      "inputs": {"prompt_ids": ref.put(f"{name}_prompt_ids", pids),
                                 "image_embeds": emb_a_ref, "pixel_features": feat_a_ref,
                                 **({HIRES_INPUT: preprocess_cases[0]["pixel_values_hires"]} if r else {})},
                      "outputs": outputs})
    if model.has_embeddings:
        with torch.no_grad():
            ie_a, ie_b = model.contrastive.embed_image(emb_a), model.contrastive.embed_image(emb_b)
        cases.append({"name": "image_embed_ct", "inputs": {"image_embeds": emb_a_ref},
                      "outputs": {"image_embed.onnx:image_embed": ref.put("image_embed_ct", ie_a)}})
        cases.append({"name": "image_embed_gray", "inputs": {"image_embeds": emb_b_ref},
                      "outputs": {"image_embed.onnx:image_embed": ref.put("image_embed_gray", ie_b)}})
        texts = ["ct, axial, chest. lungs.", "x-ray, chest."]
        seqs = [[BOS] + tok.encode(t) + [EOS] for t in texts]
        single = torch.tensor(seqs[:1], dtype=torch.long)
        width = max(len(q) for q in seqs)
        batch = torch.tensor([q + [PAD] * (width - len(q)) for q in seqs], dtype=torch.long)  # row 2 padded
        with torch.no_grad():
            te_single, te_batch = model.contrastive.embed_text(single), model.contrastive.embed_text(batch)
        cases.append({"name": "text_embed_lung", "text": f"<bos> {texts[0]} <eos>",
                      "inputs": {"input_ids": ref.put("text_embed_lung_input_ids", single)},
                      "outputs": {"text_embed.onnx:text_embed": ref.put("text_embed_lung", te_single)}})
        # a right-padded batch: pad positions must not change the embedding (no "text": two rows)
        cases.append({"name": "text_embed_padded_batch",
                      "inputs": {"input_ids": ref.put("text_embed_batch_input_ids", batch)},
                      "outputs": {"text_embed.onnx:text_embed": ref.put("text_embed_batch", te_batch)}})
    manifest = {
        "note": ("Reference outputs computed by PyTorch (not onnxruntime). Files may be shared between "
                 "cases: a case's inputs are the exact ONNX input names of the model file named in its "
                 "outputs; encoder outputs of one case are the decoder inputs of another."),
        "cases": cases,
        "preprocess": preprocess_cases,
    }
    with open(os.path.join(ref.dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


def export_folder(model: VesaliusVLM, tok: WordTokenizer, out_dir: str, extra_config: dict | None = None,
                  version: str = VERSION) -> None:
    os.makedirs(out_dir, exist_ok=True)
    model.eval()
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        scale = float(model.contrastive.logit_scale) if model.has_embeddings else None
        json.dump(model_config(model.dims, model.num_parameters(), extra_config, scale, version), f, indent=1)
    tok.save(os.path.join(out_dir, "tokenizer.json"))
    write_preprocessor_config(os.path.join(out_dir, "preprocessor_config.json"), model.dims.image_size,
                              fit_of(model.dims))
    export_onnx(model, out_dir)
    write_reference(model, tok, out_dir)


ONNX_PREFIX = {"image_encoder.onnx": "encoder.", "text_decoder.onnx": "text.", "mask_decoder.onnx": "mask.",
               "image_embed.onnx": "contrastive.", "text_embed.onnx": "contrastive."}


def onnx_float_weights(graph: onnx.GraphProto) -> dict:
    """Initializers by name as numpy arrays, with the int8 weights of quantize.py dequantized: an
    int8 initializer followed by DequantizeLinear, or by Cast + Mul(scale), comes back as the float32
    values the runtime computes, (q - zero_point) * scale per channel, under the name of the node
    output the graph consumes (the original parameter name); the int8 parts are dropped."""
    from onnx import numpy_helper
    arrays = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    parts, casts = set(), set()
    for node in graph.node:
        ins = [x for x in node.input if x]
        if not ins or not all(x in arrays for x in ins):
            continue
        if node.op_type == "DequantizeLinear" and arrays[ins[0]].dtype == np.int8:
            q, scale = arrays[ins[0]], arrays[ins[1]].astype(np.float32)
            zero = arrays[ins[2]] if len(ins) > 2 else np.zeros(scale.shape, np.int8)
            if scale.ndim == 1:  # per axis
                shape = [1] * q.ndim
                shape[next((a.i for a in node.attribute if a.name == "axis"), 1) % q.ndim] = -1
                scale, zero = scale.reshape(shape), zero.reshape(shape)
            out = (q.astype(np.int32) - zero.astype(np.int32)).astype(np.float32) * scale
        elif node.op_type == "Cast" and arrays[ins[0]].dtype == np.int8:
            out = arrays[ins[0]].astype(np.float32)
            casts.add(node.output[0])
        elif node.op_type == "Mul" and len(ins) == 2 and (ins[0] in casts) != (ins[1] in casts):
            out = arrays[ins[0]].astype(np.float32) * arrays[ins[1]].astype(np.float32)
        else:
            continue
        arrays[node.output[0]] = out
        parts.update(ins)
    for name in parts:
        arrays.pop(name, None)
    return arrays


def load_onnx_weights(folder: str) -> tuple[VesaliusVLM, WordTokenizer]:
    """Rebuild the PyTorch model from a model folder: dims from config.json, weights from the
    ONNX initializers (named after the PyTorch parameters; int8 ones dequantized, see
    onnx_float_weights), vocabulary from tokenizer.json."""
    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    model = VesaliusVLM(ModelDims.from_json(cfg["architecture"]))
    state = {}
    for fname, prefix in ONNX_PREFIX.items():
        path = os.path.join(folder, fname)
        if fname not in cfg["files"].values():
            continue  # a folder without the contrastive graphs (0.2.0)
        for name, arr in onnx_float_weights(onnx.load(path).graph).items():
            if name.startswith("m."):
                state[prefix + name[2:]] = torch.from_numpy(np.array(arr))  # a writable copy
    if model.has_embeddings:  # the temperature is in no graph: config.json carries it
        state["contrastive.logit_scale"] = torch.tensor(float(cfg["embeddings"]["logit_scale"]))
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    if missing:
        raise ValueError(f"{folder}: ONNX files lack parameters {missing[:5]}... ({len(missing)})")
    model.load_state_dict({k: state[k] for k in expected})
    model.eval()
    return model, WordTokenizer.load(os.path.join(folder, "tokenizer.json"))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: export.py <checkpoint.npz> <out_dir>")
    m, vocab, info = VesaliusVLM.load_checkpoint(sys.argv[1])  # numpy arrays + JSON (model.py)
    t = WordTokenizer(vocab)
    export_folder(m, t, sys.argv[2], {"training": {k: info[k] for k in ("best", "train_minutes", "device_name", "torch")
                                                   if k in info}})
    print(f"exported {sys.argv[2]}")
