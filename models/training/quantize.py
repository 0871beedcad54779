"""Weight-only int8 quantisation of a model folder (the model folder spec; no onnxruntime needed).

Every float initializer with at least --min-elements values that is the weight of a MatMul, Gemm,
Conv or Gather (directly, or through the Transpose torch.onnx puts in front of a linear layer's
MatMul) is stored as int8, symmetric, one scale per output channel (scale = max|w| / 127, zero
point 0), and the graph turns it back into float32 under the original name, so the consumers
need no rewiring:

  --op Mul (default)       <name>_quantized (int8) -> Cast -> Mul(<name>_scale, broadcast shape) -> <name>
  --op DequantizeLinear    <name>_quantized (int8), <name>_scale [C], <name>_zero_point (int8 [C])
                           -> DequantizeLinear(axis) -> <name>

Both give the same float32 weights, float32(q) * scale. Why Cast+Mul by default: onnxruntime
(1.30, graph optimisation "all", as workers/inference/backend.ts runs it) fuses DequantizeLinear
-> (Transpose ->) MatMul into MatMulNBits with the default accuracy level 4, which quantises the
activations to int8 as well: outputs then move ~1e-2 away from the dequantized-weight reference
and "activations: float32" no longer holds. Cast+Mul on initializers is folded to a float32
constant at session load: int8 on disk, float32 compute. DequantizeLinear graphs match the
reference only with the session option session.qdq_matmulnbits_accuracy_level = 1 (fp32 compute).

The output channel axis, in the initializer's own layout: Conv [Cout,Cin,kh,kw] -> 0; Gemm B -> 0
with transB=1, else 1; MatMul B [K,N] -> 1 (N), mapped back through a Transpose's perm (so a
PyTorch Linear weight [out,in] -> 0); Gather data (embedding rows) -> 0.
The folder gets a fresh reference/: PyTorch outputs of the model whose weights are the dequantized
int8 weights (export.load_onnx_weights reads them back), so the parity test checks the int8 graphs
at the usual tolerance. Copies config.json (plus "quantization"), tokenizer.json and
preprocessor_config.json; not eval.json or the model card (they describe the fp32 model).

Usage: quantize.py <fp32-folder> <out-folder> [--min-elements 4096] [--op Mul|DequantizeLinear]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export import load_onnx_weights, write_reference  # noqa: E402

COPIED = ("tokenizer.json", "preprocessor_config.json")
OPS = {"Mul": "Cast+Mul", "DequantizeLinear": "DequantizeLinear"}


def _attr(node: onnx.NodeProto, name: str, default):
    for a in node.attribute:
        if a.name == name:
            return helper.get_attribute_value(a)
    return default


def _weight_axis(node: onnx.NodeProto, index: int, rank: int) -> int | None:
    """Output channel axis of input `index` of `node` when that input is a weight we quantise."""
    op = node.op_type
    if op == "Conv" and index == 1 and rank >= 3:
        return 0
    if op == "Gemm" and index == 1 and rank == 2:
        return 0 if _attr(node, "transB", 0) else 1
    if op == "MatMul" and index == 1 and rank == 2:
        return 1
    if op == "Gather" and index == 0 and rank == 2 and _attr(node, "axis", 0) == 0:
        return 0
    return None


def weight_axes(graph: onnx.GraphProto) -> dict[str, list[int]]:
    """Initializer name -> output channel axes of its weight uses (initializer layout)."""
    consumers: dict[str, list[tuple[onnx.NodeProto, int]]] = {}
    for node in graph.node:
        for i, name in enumerate(node.input):
            consumers.setdefault(name, []).append((node, i))
    ranks = {init.name: len(init.dims) for init in graph.initializer}
    axes: dict[str, list[int]] = {}
    for name, rank in ranks.items():
        for node, i in consumers.get(name, []):
            axis = _weight_axis(node, i, rank)
            if axis is not None:
                axes.setdefault(name, []).append(axis)
            elif node.op_type == "Transpose" and i == 0:
                perm = list(_attr(node, "perm", list(range(rank))[::-1]))
                for user, j in consumers.get(node.output[0], []):
                    axis = _weight_axis(user, j, rank)
                    if axis is not None:
                        axes.setdefault(name, []).append(perm[axis])
    return axes


def quantize_per_channel(w: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8: q = round(w / s), s = max|w| / 127 per slice along `axis` (1.0 for an all-zero slice)."""
    others = tuple(a for a in range(w.ndim) if a != axis)
    amax = np.abs(w).max(axis=others).astype(np.float32)
    scale = np.where(amax > 0, amax / np.float32(127.0), np.float32(1.0)).astype(np.float32)
    shape = [1] * w.ndim
    shape[axis] = -1
    q = np.clip(np.round(w / scale.reshape(shape)), -127, 127).astype(np.int8)
    return q, scale


def quantize_graph(model: onnx.ModelProto, min_elements: int, op: str = "Mul") -> list[dict]:
    """Rewrites `model` in place; returns one record per quantised initializer."""
    opset = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=0)
    if op == "DequantizeLinear" and opset < 13:
        raise ValueError(f"opset {opset}: per-axis DequantizeLinear needs opset >= 13")
    graph = model.graph
    axes = weight_axes(graph)
    graph_inputs = {i.name for i in graph.input}
    kept, new_nodes, records = [], [], []
    for init in graph.initializer:
        n = int(np.prod(init.dims)) if len(init.dims) else 1
        if (init.name not in axes or init.data_type != TensorProto.FLOAT or n < min_elements
                or init.name in graph_inputs):
            kept.append(init)
            continue
        uses = axes[init.name]
        axis = uses[0]
        if any(a != axis for a in uses):
            print(f"  {init.name}: consumers disagree on the channel axis {uses}; using {axis}", file=sys.stderr)
        w = numpy_helper.to_array(init)
        q, scale = quantize_per_channel(w, axis)
        name = init.name
        kept.append(numpy_helper.from_array(q, f"{name}_quantized"))
        if op == "DequantizeLinear":
            kept += [numpy_helper.from_array(scale, f"{name}_scale"),
                     numpy_helper.from_array(np.zeros(scale.shape, np.int8), f"{name}_zero_point")]
            new_nodes.append(helper.make_node("DequantizeLinear", [f"{name}_quantized", f"{name}_scale", f"{name}_zero_point"],
                                             [name], name=f"{name}_DequantizeLinear", axis=axis))
        else:  # the same values as float32(q) * scale, in plain ops the runtime folds to a constant
            shape = [1] * w.ndim
            shape[axis] = -1
            kept.append(numpy_helper.from_array(scale.reshape(shape), f"{name}_scale"))
            new_nodes += [helper.make_node("Cast", [f"{name}_quantized"], [f"{name}_float"], name=f"{name}_Cast",
                                          to=TensorProto.FLOAT),
                         helper.make_node("Mul", [f"{name}_float", f"{name}_scale"], [name], name=f"{name}_Mul")]
        records.append({"name": name, "shape": list(w.shape), "axis": axis})
    del graph.initializer[:]
    graph.initializer.extend(kept)
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(new_nodes + nodes)  # constants first: the node list stays topologically sorted
    return records


def compare_references(fp32_dir: str, int8_dir: str) -> list[tuple[str, str, float, float, str]]:
    """(case, output, max |int8 ref - fp32 ref|, max |fp32 ref|, decisions) for each output in both
    manifests; decisions: how often the argmax token (logits) or the mask pixel (logit > 0) differs."""
    def load(folder):
        with open(os.path.join(folder, "reference", "manifest.json")) as f:
            return {c["name"]: c for c in json.load(f)["cases"]}

    def arr(folder, spec):
        return np.fromfile(os.path.join(folder, "reference", spec["file"]), dtype="<f4").reshape(spec["shape"])

    a, b = load(fp32_dir), load(int8_dir)
    rows = []
    for name, case in b.items():
        if name not in a:
            continue
        for key, spec in case["outputs"].items():
            ref = a[name]["outputs"].get(key)
            if not ref or ref["shape"] != spec["shape"]:
                continue
            x, y = arr(fp32_dir, ref), arr(int8_dir, spec)
            decisions = ""
            if key.endswith(":logits"):
                decisions = f"argmax differs at {int((x.argmax(-1) != y.argmax(-1)).sum())}/{x.shape[0] * x.shape[1]} positions"
            elif key.endswith(":mask_logits"):
                decisions = f"mask pixels differ {int(((x > 0) != (y > 0)).sum())}/{x.size}"
            rows.append((name, key, float(np.abs(y - x).max()), float(np.abs(x).max()), decisions))
    return rows


def quantize_folder(src: str, out: str, min_elements: int = 4096, op: str = "Mul") -> None:
    if os.path.abspath(src) == os.path.abspath(out):
        raise ValueError("the output folder must differ from the fp32 folder")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(src, "config.json")) as f:
        cfg = json.load(f)
    if "quantization" in cfg:
        raise ValueError(f"{src} is already quantised")
    cfg["quantization"] = {"weights": f"int8 per-channel symmetric, {OPS[op]}", "activations": "float32",
                           "min_elements": min_elements, "source": os.path.basename(os.path.normpath(src))}
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=1)
    for fname in COPIED:
        shutil.copyfile(os.path.join(src, fname), os.path.join(out, fname))
    files = [cfg["files"][k] for k in ("image_encoder", "text_decoder", "mask_decoder")]
    for fname in files:
        model = onnx.load(os.path.join(src, fname))
        records = quantize_graph(model, min_elements, op)
        onnx.checker.check_model(model)
        path = os.path.join(out, fname)
        onnx.save(model, path)
        a, b = os.path.getsize(os.path.join(src, fname)), os.path.getsize(path)
        print(f"{fname}: {len(records)} weights int8; {a} -> {b} bytes ({100 * b / a:.1f} %)")
    shutil.rmtree(os.path.join(out, "reference"), ignore_errors=True)
    model, tok = load_onnx_weights(out)  # the dequantized int8 weights
    write_reference(model, tok, out)
    for case, key, diff, scale, decisions in compare_references(src, out):
        print(f"  max |int8 ref - fp32 ref| {case} {key}: {diff:.3g} (max |fp32| {scale:.3g}) {decisions}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("src", help="fp32 model folder")
    ap.add_argument("out", help="output folder (int8 weights)")
    ap.add_argument("--min-elements", type=int, default=4096, help="quantise weights with at least this many values")
    ap.add_argument("--op", choices=sorted(OPS), default="Mul", help="how the graph dequantizes (see the module doc)")
    args = ap.parse_args()
    quantize_folder(args.src, args.out, args.min_elements, args.op)
    print(f"quantised {args.src} -> {args.out}")
