#!/usr/bin/env python3
"""Write a CLIP-architecture model with RANDOM weights in the Hugging Face /
transformers.js ONNX layout, for tests and benchmarks when no pretrained
weights can be downloaded.

The graphs, input/output names, shapes and compute cost match an optimum /
transformers.js export of openai/clip-vit-base-patch32 (preset "b32"), or a
tiny model of the same structure (preset "tiny"). Scores it produces mean
nothing: use it for plumbing, numerics and speed, never for accuracy.

Needs Debian's python3-torch and python3-onnx (apt-get install -y python3-torch python3-onnx).

  scripts/make-stand-in-clip.py OUT_DIR [--preset tiny|b32] [--seed N] [--full] [--tokenizer DIR]

Writes OUT_DIR/onnx/vision_model.onnx, OUT_DIR/onnx/text_model.onnx
(with --full also OUT_DIR/onnx/model.onnx) and config.json, and copies the
real CLIP tokenizer and preprocessor files (tokenizer.json, tokenizer_config.json,
special_tokens_map.json, preprocessor_config.json of Xenova/clip-vit-base-patch32)
from --tokenizer DIR (default: the committed test fixture, test/fixtures/tiny-clip).

The committed test fixture is this script's output, regenerated with
  /usr/bin/python3 scripts/make-stand-in-clip.py test/fixtures/tiny-clip --preset tiny --seed 0
(same torch version, same bytes; the text width is 16 so that the 49408-row token
embedding stays small in git).
"""
import argparse, inspect, json, math, os, shutil
import torch
from torch import nn

PRESETS = {
    # dims of openai/clip-vit-base-patch32
    "b32": dict(t_width=512, t_layers=12, t_heads=8, v_width=768, v_layers=12, v_heads=12, patch=32, proj=512),
    # same structure, small: fast CPU tests
    "tiny": dict(t_width=16, t_layers=2, t_heads=2, v_width=64, v_layers=2, v_heads=2, patch=32, proj=32),
}
VOCAB, CONTEXT, IMAGE = 49408, 77, 224
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "preprocessor_config.json"]


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class Block(nn.Module):
    def __init__(self, width, heads, causal):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.qkv, self.out = nn.Linear(width, 3 * width), nn.Linear(width, width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), QuickGELU(), nn.Linear(4 * width, width))
        self.heads, self.causal = heads, causal

    def attend(self, x):
        b, n, w = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.heads, w // self.heads).permute(2, 0, 3, 1, 4)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(w // self.heads)
        if self.causal:
            mask = torch.full((n, n), float("-inf"), device=x.device).triu(1)
            att = att + mask
        y = att.softmax(-1) @ v
        return self.out(y.transpose(1, 2).reshape(b, n, w))

    def forward(self, x):
        x = x + self.attend(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class TextTower(nn.Module):
    def __init__(self, p):
        super().__init__()
        w = p["t_width"]
        self.tok, self.pos = nn.Embedding(VOCAB, w), nn.Parameter(torch.randn(CONTEXT, w) * 0.01)
        self.blocks = nn.ModuleList(Block(w, p["t_heads"], True) for _ in range(p["t_layers"]))
        self.ln, self.proj = nn.LayerNorm(w), nn.Linear(w, p["proj"], bias=False)

    def forward(self, input_ids):
        x = self.tok(input_ids) + self.pos[: input_ids.shape[1]]
        for blk in self.blocks:
            x = blk(x)
        x = self.ln(x)
        # the end-of-text token has the highest id: pool there, as CLIP does
        pooled = x[torch.arange(x.shape[0]), input_ids.argmax(-1)]
        return self.proj(pooled), x


class VisionTower(nn.Module):
    def __init__(self, p):
        super().__init__()
        w, patch = p["v_width"], p["patch"]
        n = (IMAGE // patch) ** 2
        self.patchify = nn.Conv2d(3, w, patch, patch, bias=False)
        self.cls, self.pos = nn.Parameter(torch.randn(w) * 0.02), nn.Parameter(torch.randn(n + 1, w) * 0.01)
        self.pre, self.post = nn.LayerNorm(w), nn.LayerNorm(w)
        self.blocks = nn.ModuleList(Block(w, p["v_heads"], False) for _ in range(p["v_layers"]))
        self.proj = nn.Linear(w, p["proj"], bias=False)

    def forward(self, pixel_values):
        x = self.patchify(pixel_values).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], 1, -1), x], 1) + self.pos
        x = self.pre(x)
        for blk in self.blocks:
            x = blk(x)
        return self.proj(self.post(x[:, 0])), x


class Full(nn.Module):
    """CLIPModel-like graph (what transformers.js' zero-shot pipeline loads)."""

    def __init__(self, text, vision):
        super().__init__()
        self.text, self.vision = text, vision
        self.logit_scale = nn.Parameter(torch.tensor(math.log(100.0)))

    def forward(self, input_ids, pixel_values, attention_mask):
        t, _ = self.text(input_ids)
        i, _ = self.vision(pixel_values)
        t = t / t.norm(dim=-1, keepdim=True)
        i = i / i.norm(dim=-1, keepdim=True)
        logits_per_image = self.logit_scale.exp() * i @ t.T
        return logits_per_image, logits_per_image.T, t, i


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--preset", default="tiny", choices=PRESETS)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--full", action="store_true", help="also write onnx/model.onnx")
    ap.add_argument("--tokenizer", default=os.path.join(REPO, "test", "fixtures", "tiny-clip"),
                    help="folder holding the CLIP tokenizer and preprocessor files to copy")
    a = ap.parse_args()
    p = PRESETS[a.preset]
    torch.manual_seed(a.seed)
    text, vision = TextTower(p).eval(), VisionTower(p).eval()
    os.makedirs(os.path.join(a.out, "onnx"), exist_ok=True)
    ids = torch.randint(1, 1000, (2, CONTEXT))
    ids[:, 0], ids[:, 6] = 49406, 49407
    px = torch.randn(2, 3, IMAGE, IMAGE)
    kw = dict(opset_version=14, do_constant_folding=True)
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kw["dynamo"] = False  # newer torch defaults to the dynamo exporter; keep the classic graph
    with torch.no_grad():
        torch.onnx.export(text, (ids,), os.path.join(a.out, "onnx/text_model.onnx"),
                          input_names=["input_ids"], output_names=["text_embeds", "last_hidden_state"],
                          dynamic_axes={"input_ids": {0: "batch_size", 1: "sequence_length"},
                                        "text_embeds": {0: "batch_size"},
                                        "last_hidden_state": {0: "batch_size", 1: "sequence_length"}}, **kw)
        torch.onnx.export(vision, (px,), os.path.join(a.out, "onnx/vision_model.onnx"),
                          input_names=["pixel_values"], output_names=["image_embeds", "last_hidden_state"],
                          dynamic_axes={"pixel_values": {0: "batch_size"}, "image_embeds": {0: "batch_size"},
                                        "last_hidden_state": {0: "batch_size"}}, **kw)
        if a.full:
            torch.onnx.export(Full(text, vision), (ids, px, torch.ones_like(ids)), os.path.join(a.out, "onnx/model.onnx"),
                              input_names=["input_ids", "pixel_values", "attention_mask"],
                              output_names=["logits_per_image", "logits_per_text", "text_embeds", "image_embeds"],
                              dynamic_axes={"input_ids": {0: "text_batch_size", 1: "sequence_length"},
                                            "attention_mask": {0: "text_batch_size", 1: "sequence_length"},
                                            "pixel_values": {0: "image_batch_size"},
                                            "logits_per_image": {0: "image_batch_size", 1: "text_batch_size"},
                                            "logits_per_text": {0: "text_batch_size", 1: "image_batch_size"},
                                            "text_embeds": {0: "text_batch_size"},
                                            "image_embeds": {0: "image_batch_size"}}, **kw)
    config = {
        "_name_or_path": f"stand-in-{a.preset}-clip-random-seed{a.seed}",
        "architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": p["proj"],
        "logit_scale_init_value": 2.6592,
        "stand_in": "random weights: scores are meaningless",
        "text_config": {"hidden_size": p["t_width"], "num_hidden_layers": p["t_layers"],
                        "num_attention_heads": p["t_heads"], "intermediate_size": 4 * p["t_width"],
                        "max_position_embeddings": CONTEXT, "vocab_size": VOCAB, "hidden_act": "quick_gelu",
                        "bos_token_id": 49406, "eos_token_id": 49407, "pad_token_id": 49407},
        "vision_config": {"hidden_size": p["v_width"], "num_hidden_layers": p["v_layers"],
                          "num_attention_heads": p["v_heads"], "intermediate_size": 4 * p["v_width"],
                          "image_size": IMAGE, "patch_size": p["patch"], "hidden_act": "quick_gelu"},
    }
    json.dump(config, open(os.path.join(a.out, "config.json"), "w"), indent=2)
    for f in TOKENIZER_FILES:
        src, dst = os.path.join(a.tokenizer, f), os.path.join(a.out, f)
        if not os.path.exists(dst) or not os.path.samefile(src, dst):
            shutil.copy(src, dst)
    print("wrote", a.out)


if __name__ == "__main__":
    main()
