"""Vesalius VLM: one small model, three tasks (caption, VQA, segmentation).

Layout (see the model folder spec, layout 0.3):
  ImageEncoder  pixel_values [B,1,S,S] (+ header_ids [B,4] when header fusion is on)
                -> image_embeds [B,N(+4),D] (N=(S/16)^2 patch tokens, then one token per header slot)
                -> pixel_features [B,C4,S/4,S/4] (skip features for masks)
                Header fusion is early fusion: one learned embedding table per header slot
                (index 0 = unknown), its rows appended to the patch tokens before the
                transformer, so every image token attends to the header facts and the decoders
                see them as 4 more image tokens.
  TextDecoder   input_ids [B,T] + image_embeds -> logits [B,T,V]
                causal self-attention among text tokens, cross-attention text -> image tokens
  MaskDecoder   prompt_ids [B,T] + image_embeds + pixel_features -> mask_logits [B,1,S,S]
                (+ presence_logits [B,1] when the presence head is on: is the prompted
                structure in the image at all)
                prompt tokens cross-attend to image tokens, image tokens attend back to the
                prompt (so they become prompt-aware while keeping their position), then a small
                conv decoder upsamples them with the 1/4 skip features, and the pooled prompt
                embedding gives the per-pixel classifier (dot product).
                With a mask refiner (mask_size R > 0): + pixel_values_hires [B,1,R,R] (the same image
                preprocessed at R) -> mask_logits [B,1,R,R] (see MaskRefiner).
All attention is written with plain matmuls so the ONNX graphs stay simple and dynamic in
batch and sequence length.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class ModelDims:
    image_size: int = 224
    hidden_size: int = 256
    num_heads: int = 8
    encoder_layers: int = 4
    decoder_layers: int = 3
    mask_layers: int = 2
    stem_channels: tuple = (24, 48, 96)  # channels at 1/2, 1/4, 1/8
    pixel_feature_channels: int = 32      # channels of the 1/4 skip output
    mask_channels: tuple = (48, 24, 16)   # conv decoder channels at 1/4, 1/2, 1/1
    max_text_len: int = 64
    vocab_size: int = 1000
    pad_token_id: int = 0
    mlp_ratio: int = 4
    # contrastive stage (0 = no image/text embedding heads, as in 0.2.0 folders)
    embed_dim: int = 0
    text_encoder_layers: int = 2
    # layout 0.3 (empty / False = a 0.2.0 model): rows of each header slot's embedding table
    # (len(header_fusion.values[slot]) in slot order) and the mask decoder's presence head
    header_vocab: tuple = ()
    presence_head: bool = False
    # mask refiner (0 = none): masks at R x R from the decoder's S x S logits + the image at R
    mask_size: int = 0
    refine_channels: int = 16

    @property
    def patch_size(self) -> int:
        return 16

    @property
    def num_patches(self) -> int:
        return (self.image_size // 16) ** 2

    def to_json(self) -> dict:
        d = asdict(self)
        d["stem_channels"] = list(self.stem_channels)
        d["mask_channels"] = list(self.mask_channels)
        d["header_vocab"] = list(self.header_vocab)
        return d

    @staticmethod
    def from_json(d: dict) -> "ModelDims":
        d = {k: v for k, v in d.items() if k in ModelDims.__dataclass_fields__}
        d["stem_channels"] = tuple(d["stem_channels"])
        d["mask_channels"] = tuple(d["mask_channels"])
        d["header_vocab"] = tuple(d.get("header_vocab", ()))
        return ModelDims(**d)


class Linear(nn.Linear):
    """nn.Linear whose CPU training path runs as a 1x1 convolution.

    Debian's torch is built with a generic BLAS (~4 GFLOP/s on 2 cores here) but with MKL-DNN
    convolutions (~25 GFLOP/s), so `conv_path` makes CPU training ~5x faster on the linear
    layers. The parameters and the result are the same (|diff| ~1e-6); export and inference use
    the plain matmul path, so the ONNX graphs do not change."""

    conv_path = False

    def forward(self, x):
        return linear(x, self.weight, self.bias)


def linear(x, weight, bias=None):
    """x @ weight.T + bias, through a 1x1 convolution when Linear.conv_path is on (see Linear)."""
    if not Linear.conv_path:
        return F.linear(x, weight, bias)
    shape = x.shape
    cols = x.reshape(-1, shape[-1]).t().unsqueeze(0)  # [1, in, M]
    y = F.conv1d(cols, weight.unsqueeze(-1), bias)
    return y[0].t().reshape(*shape[:-1], weight.shape[0])


class Attention(nn.Module):
    """Multi-head attention; queries from `x`, keys/values from `context`."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.head_dim = dim // heads
        self.q = Linear(dim, dim)
        self.kv = Linear(dim, 2 * dim)
        self.out = Linear(dim, dim)

    def keys_values(self, context):
        b, n, _ = context.shape
        kv = self.kv(context).reshape(b, n, 2, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        return kv[0], kv[1]

    def forward(self, x, context, bias=None, kv=None):
        b, t, d = x.shape
        q = self.q(x).reshape(b, t, self.heads, self.head_dim).transpose(1, 2)
        k, v = kv if kv is not None else self.keys_values(context)
        scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(self.head_dim))
        if bias is not None:
            scores = scores + bias
        attn = torch.softmax(scores, dim=-1)
        y = torch.matmul(attn, v).transpose(1, 2).reshape(b, t, d)
        return self.out(y)


class Mlp(nn.Module):
    def __init__(self, dim: int, ratio: int):
        super().__init__()
        self.fc1 = Linear(dim, dim * ratio)
        self.fc2 = Linear(dim * ratio, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class EncoderLayer(nn.Module):
    def __init__(self, dim, heads, ratio):
        super().__init__()
        self.n1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, heads)
        self.n2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, ratio)

    def forward(self, x):
        h = self.n1(x)
        x = x + self.attn(h, h)
        return x + self.mlp(self.n2(x))


class DecoderLayer(nn.Module):
    """Self-attention (optionally causal) + cross-attention to image tokens + MLP."""

    def __init__(self, dim, heads, ratio):
        super().__init__()
        self.n1 = nn.LayerNorm(dim)
        self.self_attn = Attention(dim, heads)
        self.n2 = nn.LayerNorm(dim)
        self.cross_attn = Attention(dim, heads)
        self.n_ctx = nn.LayerNorm(dim)
        self.n3 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, ratio)

    def forward(self, x, image_tokens, self_bias, cross_kv=None):
        h = self.n1(x)
        x = x + self.self_attn(h, h, self_bias)
        if cross_kv is None:
            x = x + self.cross_attn(self.n2(x), self.n_ctx(image_tokens))
        else:
            x = x + self.cross_attn(self.n2(x), None, kv=cross_kv)
        return x + self.mlp(self.n3(x))

    def image_keys_values(self, image_tokens):
        return self.cross_attn.keys_values(self.n_ctx(image_tokens))


def conv_block(cin, cout, stride=1):
    groups = 8 if cout % 8 == 0 else 1
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
        nn.GroupNorm(groups, cout),
        nn.GELU(),
    )


class ImageEncoder(nn.Module):
    """Conv stem to 1/16 (keeps a 1/4 skip) + transformer over the patch tokens and, with header
    fusion, one token per header slot (appended after the patch tokens)."""

    def __init__(self, dims: ModelDims):
        super().__init__()
        c2, c4, c8 = dims.stem_channels
        d = dims.hidden_size
        self.stage2 = nn.Sequential(conv_block(1, c2, 2), conv_block(c2, c2))
        self.stage4 = nn.Sequential(conv_block(c2, c4, 2), conv_block(c4, c4))
        self.stage8 = nn.Sequential(conv_block(c4, c8, 2), conv_block(c8, c8))
        self.patch = nn.Conv2d(c8, d, 3, stride=2, padding=1)
        self.skip = nn.Conv2d(c4, dims.pixel_feature_channels, 1)
        self.pos = nn.Parameter(torch.randn(1, dims.num_patches, d) * 0.02)
        self.layers = nn.ModuleList(
            [EncoderLayer(d, dims.num_heads, dims.mlp_ratio) for _ in range(dims.encoder_layers)])
        self.norm = nn.LayerNorm(d)
        self.header = nn.ModuleList([nn.Embedding(n, d) for n in dims.header_vocab]) if dims.header_vocab else None
        if self.header is not None:
            for table in self.header:
                nn.init.normal_(table.weight, 0.0, 0.02)

    @property
    def fuses_header(self) -> bool:
        return self.header is not None

    def header_tokens(self, header_ids):
        """[B,slots] int64 -> [B,slots,D]: row header_ids[:, k] of slot k's table."""
        return torch.stack([table(header_ids[:, k]) for k, table in enumerate(self.header)], 1)

    def forward(self, pixel_values, header_ids=None):
        f2 = self.stage2(pixel_values)
        f4 = self.stage4(f2)
        f8 = self.stage8(f4)
        p = self.patch(f8)
        tokens = p.flatten(2).transpose(1, 2) + self.pos
        if self.header is not None:
            if header_ids is None:  # nothing known (not DICOM): every slot at index 0
                header_ids = torch.zeros(pixel_values.shape[0], len(self.header), dtype=torch.long,
                                         device=pixel_values.device)
            tokens = torch.cat([tokens, self.header_tokens(header_ids)], 1)
        for layer in self.layers:
            tokens = layer(tokens)
        return self.norm(tokens), self.skip(f4)


def causal_bias(t_len_source: torch.Tensor) -> torch.Tensor:
    """[T,T] additive mask: 0 on/below the diagonal, -1e4 above (built from a dynamic length)."""
    idx = torch.arange(t_len_source.shape[1], device=t_len_source.device)
    future = (idx.unsqueeze(0) > idx.unsqueeze(1)).float()
    return future * -1e4


class TextDecoder(nn.Module):
    def __init__(self, dims: ModelDims):
        super().__init__()
        d = dims.hidden_size
        self.embed = nn.Embedding(dims.vocab_size, d)
        self.pos = nn.Parameter(torch.randn(1, dims.max_text_len, d) * 0.02)
        self.layers = nn.ModuleList(
            [DecoderLayer(d, dims.num_heads, dims.mlp_ratio) for _ in range(dims.decoder_layers)])
        self.norm = nn.LayerNorm(d)
        self.head_bias = nn.Parameter(torch.zeros(dims.vocab_size))

    def image_cache(self, image_embeds):
        """Per-layer cross-attention keys/values of the image tokens (PyTorch-side decoding
        speed-up only; the ONNX graph recomputes them, with identical results)."""
        return [layer.image_keys_values(image_embeds) for layer in self.layers]

    def forward(self, input_ids, image_embeds, cache=None):
        t = input_ids.shape[1]
        x = self.embed(input_ids) + self.pos[:, :t]
        bias = causal_bias(input_ids)
        for i, layer in enumerate(self.layers):
            x = layer(x, image_embeds, bias, None if cache is None else cache[i])
        x = self.norm(x)
        # output projection tied to the input embedding
        return linear(x, self.embed.weight, self.head_bias)


class MaskRefiner(nn.Module):
    """Learned guided upsampling. The decoder's S x S logits carry the shape but place boundaries
    only to an S-pixel grid (3.2 px of a 512 slice at S = 160); the image at R x R shows where the
    edge really is. Logits are resized to R, and a residual computed from them and the R x R image
    is added, so the refiner starts as plain bilinear resizing (last conv zero-initialised).
    Dilated convolutions give a 25 px receptive field at R (40 px of a 512 slice) without downsampling."""

    DILATIONS = (1, 2, 4, 2, 1)  # dilation 8 takes a slow CPU path in torch (4x the time of 1-4)

    def __init__(self, channels: int):
        super().__init__()
        c = channels
        self.inp = nn.Conv2d(2, c, 3, padding=1)
        self.body = nn.ModuleList([nn.Conv2d(c, c, 3, padding=d, dilation=d) for d in self.DILATIONS])
        self.out = nn.Conv2d(c, 1, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, logits, pixel_values_hires):
        up = F.interpolate(logits, size=(pixel_values_hires.shape[2], pixel_values_hires.shape[3]),
                           mode="bilinear", align_corners=False)
        return self.refine(up, pixel_values_hires)

    def refine(self, up, pixels):
        """Logits already at R (or a window of them) + the image there (the same window)."""
        # tanh keeps the input in range: logits far from the boundary are large and say nothing more
        h = F.gelu(self.inp(torch.cat([torch.tanh(up * 0.25), pixels], 1)))
        for conv in self.body:
            h = h + F.gelu(conv(h))
        return up + self.out(h)


class MaskDecoder(nn.Module):
    def __init__(self, dims: ModelDims):
        super().__init__()
        d = dims.hidden_size
        m4, m2, m1 = dims.mask_channels
        self.pad_id = dims.pad_token_id
        self.embed = nn.Embedding(dims.vocab_size, d)
        self.pos = nn.Parameter(torch.randn(1, dims.max_text_len, d) * 0.02)
        self.prompt_layers = nn.ModuleList(
            [DecoderLayer(d, dims.num_heads, dims.mlp_ratio) for _ in range(dims.mask_layers)])
        self.prompt_norm = nn.LayerNorm(d)
        # image tokens attend back to the prompt tokens (two-way), keeping their positions
        self.img_norm = nn.LayerNorm(d)
        self.prompt_ctx_norm = nn.LayerNorm(d)
        self.img_to_prompt = Attention(d, dims.num_heads)
        self.img_mlp_norm = nn.LayerNorm(d)
        self.img_mlp = Mlp(d, 2)
        self.tok_proj = nn.Conv2d(d, m4, 1)
        self.skip_proj = nn.Conv2d(dims.pixel_feature_channels, m4, 1)
        self.film = Linear(d, 2 * m4)
        self.up4 = nn.Sequential(conv_block(m4, m4), conv_block(m4, m4))
        self.up2 = nn.Sequential(conv_block(m4, m2), conv_block(m2, m2))
        self.up1 = conv_block(m2, m1)
        self.classifier = Linear(d, m1 + 1)
        self.grid = dims.image_size // 16
        # presence: the pooled prompt (which has cross-attended to the image) and the mean of the
        # prompt-aware image tokens -> one logit, "is the prompted structure in this image"
        self.presence = nn.Sequential(nn.LayerNorm(2 * d), Linear(2 * d, d), nn.GELU(),
                                      Linear(d, 1)) if dims.presence_head else None
        self.refiner = MaskRefiner(dims.refine_channels) if dims.mask_size > 0 else None

    def forward(self, prompt_ids, image_embeds, pixel_features, pixel_values_hires=None):
        """Without pixel_values_hires (or without a refiner) the logits are at S x S."""
        b = prompt_ids.shape[0]
        t = prompt_ids.shape[1]
        x = self.embed(prompt_ids) + self.pos[:, :t]
        valid = (prompt_ids != self.pad_id).float()  # [B,T]
        key_bias = ((1.0 - valid) * -1e4).unsqueeze(1).unsqueeze(1)  # [B,1,1,T]
        for layer in self.prompt_layers:
            x = layer(x, image_embeds, key_bias)
        x = self.prompt_norm(x)
        pooled = (x * valid.unsqueeze(-1)).sum(1) / valid.sum(1, keepdim=True).clamp(min=1.0)

        img = image_embeds + self.img_to_prompt(self.img_norm(image_embeds), self.prompt_ctx_norm(x), key_bias)
        img = img + self.img_mlp(self.img_mlp_norm(img))
        d = img.shape[2]
        # the patch tokens come first; header tokens (if any) only take part through attention
        patches = img[:, :self.grid * self.grid]
        grid = patches.transpose(1, 2).reshape(b, d, self.grid, self.grid)
        g = self.tok_proj(grid)
        g = F.interpolate(g, size=(pixel_features.shape[2], pixel_features.shape[3]),
                          mode="bilinear", align_corners=False)
        h = g + self.skip_proj(pixel_features)
        gamma, beta = self.film(pooled).chunk(2, dim=-1)
        h = h * (1.0 + gamma.unsqueeze(-1).unsqueeze(-1)) + beta.unsqueeze(-1).unsqueeze(-1)
        h = self.up4(h)
        h = F.interpolate(h, scale_factor=2.0, mode="bilinear", align_corners=False)
        h = self.up2(h)
        h = F.interpolate(h, scale_factor=2.0, mode="bilinear", align_corners=False)
        h = self.up1(h)
        w = self.classifier(pooled)  # per-prompt pixel classifier: weights + bias
        weights = w[:, :-1]
        bias = w[:, -1:]
        logits = (h * weights.unsqueeze(-1).unsqueeze(-1)).sum(1, keepdim=True)
        logits = logits + bias.unsqueeze(-1).unsqueeze(-1)
        if self.refiner is not None and pixel_values_hires is not None:
            logits = self.refiner(logits, pixel_values_hires)
        if self.presence is None:
            return logits
        return logits, self.presence(torch.cat([pooled, img.mean(1)], -1))


def masked_mean(x, valid):
    """Mean of x [B,T,D] over the positions where valid [B,T] is 1 (at least one counted)."""
    return (x * valid.unsqueeze(-1)).sum(1) / valid.sum(1, keepdim=True).clamp(min=1.0)


def l2_normalise(x, eps: float = 1e-6):
    return x / x.pow(2).sum(-1, keepdim=True).add(eps * eps).sqrt()


class TextEncoder(nn.Module):
    """Bidirectional transformer over a text's tokens (pad keys masked), mean-pooled."""

    def __init__(self, dims: ModelDims):
        super().__init__()
        d = dims.hidden_size
        self.pad_id = dims.pad_token_id
        self.embed = nn.Embedding(dims.vocab_size, d)
        self.pos = nn.Parameter(torch.randn(1, dims.max_text_len, d) * 0.02)
        self.layers = nn.ModuleList(
            [EncoderLayer(d, dims.num_heads, dims.mlp_ratio) for _ in range(dims.text_encoder_layers)])
        self.norm = nn.LayerNorm(d)

    def forward(self, input_ids):
        t = input_ids.shape[1]
        valid = (input_ids != self.pad_id).float()
        key_bias = ((1.0 - valid) * -1e4).unsqueeze(1).unsqueeze(1)  # [B,1,1,T]
        x = self.embed(input_ids) + self.pos[:, :t]
        for layer in self.layers:
            h = layer.n1(x)
            x = x + layer.attn(h, h, key_bias)
            x = x + layer.mlp(layer.n2(x))
        return masked_mean(self.norm(x), valid)


class Contrastive(nn.Module):
    """CLIP-style heads (HF CLIPModel's image/text projections): the image tokens of the shared
    ImageEncoder, mean-pooled and projected, and a TextEncoder's pooled text, projected, both
    L2-normalised into one embed_dim space; logit_scale = log(1/temperature), learnable."""

    INIT_TEMPERATURE = 0.07
    MAX_LOGIT_SCALE = math.log(100.0)

    def __init__(self, dims: ModelDims):
        super().__init__()
        d, e = dims.hidden_size, dims.embed_dim
        self.image_norm = nn.LayerNorm(d)
        self.image_projection = Linear(d, e, bias=False)
        self.text = TextEncoder(dims)
        self.text_projection = Linear(d, e, bias=False)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1.0 / self.INIT_TEMPERATURE)))

    def embed_image(self, image_embeds):
        return l2_normalise(self.image_projection(self.image_norm(image_embeds.mean(1))))

    def embed_text(self, input_ids):
        return l2_normalise(self.text_projection(self.text(input_ids)))

    def scale(self):
        return self.logit_scale.clamp(max=self.MAX_LOGIT_SCALE).exp()


def info_nce(image_embed, text_embed, scale, positive=None):
    """Symmetric InfoNCE (CLIP) over a batch of L2-normalised pairs. `positive` [B,B] (optional,
    default the identity) marks every image-text entry that is a correct match: a batch can hold
    the same text for several images ("ct, axial, chest. lungs." on every lung slice) or several
    texts of one image; each row's loss is -log of its softmax mass on all its positives, so
    true matches are never pushed apart."""
    logits = scale * image_embed @ text_embed.t()
    if positive is None:
        positive = torch.eye(logits.shape[0], dtype=torch.bool, device=logits.device)

    def one_way(lg, pos):
        return -(lg.log_softmax(-1).masked_fill(~pos, float("-inf")).logsumexp(-1)).mean()

    return 0.5 * (one_way(logits, positive) + one_way(logits.t(), positive.t()))


class VesaliusVLM(nn.Module):
    def __init__(self, dims: ModelDims):
        super().__init__()
        self.dims = dims
        self.encoder = ImageEncoder(dims)
        self.text = TextDecoder(dims)
        self.mask = MaskDecoder(dims)
        if dims.embed_dim > 0:
            self.contrastive = Contrastive(dims)

    @property
    def has_embeddings(self) -> bool:
        return self.dims.embed_dim > 0

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    # ---- checkpoint I/O (plain numpy arrays + JSON, so any torch version can read it) ----
    def save_checkpoint(self, path: str, vocab: dict, info: dict) -> None:
        import json
        import numpy as np
        arrays = {f"p:{k}": v.detach().cpu().numpy() for k, v in self.state_dict().items()}
        meta = {"dims": self.dims.to_json(), "vocab": vocab, "info": info}
        np.savez(path, meta=np.frombuffer(json.dumps(meta).encode(), np.uint8), **arrays)

    @staticmethod
    def load_checkpoint(path: str) -> tuple["VesaliusVLM", dict, dict]:
        """(model in eval mode, vocabulary, training info) from save_checkpoint's file."""
        import json
        import numpy as np
        z = np.load(path)
        meta = json.loads(bytes(z["meta"]).decode())
        model = VesaliusVLM(ModelDims.from_json(meta["dims"]))
        model.load_state_dict({k[2:]: torch.from_numpy(z[k]) for k in z.files if k.startswith("p:")})
        model.eval()
        return model, meta["vocab"], meta["info"]


# Thin wrappers with the exact ONNX input/output names.
class EncoderExport(nn.Module):
    def __init__(self, model: VesaliusVLM):
        super().__init__()
        self.m = model.encoder

    def forward(self, pixel_values):
        return self.m(pixel_values)


class HeaderEncoderExport(nn.Module):
    """The header-fused encoder: inputs pixel_values and header_ids [B,4] int64."""

    def __init__(self, model: VesaliusVLM):
        super().__init__()
        self.m = model.encoder

    def forward(self, pixel_values, header_ids):
        return self.m(pixel_values, header_ids)


class TextExport(nn.Module):
    def __init__(self, model: VesaliusVLM):
        super().__init__()
        self.m = model.text

    def forward(self, input_ids, image_embeds):
        return self.m(input_ids, image_embeds)


class ImageEmbedExport(nn.Module):
    """image_embeds (the encoder's tokens) -> image_embed [B,E], L2-normalised: the app runs the
    encoder once and reuses its tokens, so this graph holds only the projection."""

    def __init__(self, model: VesaliusVLM):
        super().__init__()
        self.m = model.contrastive

    def forward(self, image_embeds):
        return self.m.embed_image(image_embeds)


class TextEmbedExport(nn.Module):
    """input_ids [B,T] (<bos> words <eos>, right-padded with <pad>) -> text_embed [B,E], L2-normalised."""

    def __init__(self, model: VesaliusVLM):
        super().__init__()
        self.m = model.contrastive

    def forward(self, input_ids):
        return self.m.embed_text(input_ids)


class MaskExport(nn.Module):
    """mask_logits, and presence_logits [B,1] when the model has the presence head."""

    def __init__(self, model: VesaliusVLM):
        super().__init__()
        self.m = model.mask

    def forward(self, prompt_ids, image_embeds, pixel_features):
        return self.m(prompt_ids, image_embeds, pixel_features)


class RefinedMaskExport(nn.Module):
    """MaskExport of a model with the mask refiner: + pixel_values_hires, mask_logits at R x R."""

    def __init__(self, model: VesaliusVLM):
        super().__init__()
        self.m = model.mask

    def forward(self, prompt_ids, image_embeds, pixel_features, pixel_values_hires):
        return self.m(prompt_ids, image_embeds, pixel_features, pixel_values_hires)
