"""Add fp16 graphs (onnx/vision_model_fp16.onnx, onnx/text_model_fp16.onnx) to a stand-in CLIP written by
scripts/make-stand-in-clip.py: the same towers and seed, cast to half precision and exported on the GPU
(half-precision convolution and matmul need CUDA in most torch builds). Inputs and outputs are float16,
as in transformers.js' fp16 exports; zeroshot converts at the boundary.

  python3 scripts/gpu/make-fp16-variant.py MODEL_DIR --preset b32 --seed 0
"""
import argparse, importlib.util, inspect, os, sys
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("standin", os.path.join(HERE, "..", "make-stand-in-clip.py"))
standin = importlib.util.module_from_spec(spec)
spec.loader.exec_module(standin)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--preset", default="b32", choices=standin.PRESETS)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    if not torch.cuda.is_available():
        sys.exit("make-fp16-variant: CUDA is not available to torch; fp16 export needs the GPU")
    p = standin.PRESETS[a.preset]
    torch.manual_seed(a.seed)  # same draws as make-stand-in-clip.py: the same weights, in half precision
    text, vision = standin.TextTower(p).eval(), standin.VisionTower(p).eval()
    text, vision = text.half().cuda(), vision.half().cuda()
    ids = torch.randint(1, 1000, (2, standin.CONTEXT), device="cuda")
    ids[:, 0], ids[:, 6] = 49406, 49407
    px = torch.randn(2, 3, standin.IMAGE, standin.IMAGE, device="cuda", dtype=torch.float16)
    kw = dict(opset_version=14, do_constant_folding=True)
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kw["dynamo"] = False
    onnx_dir = os.path.join(a.out, "onnx")
    with torch.no_grad():
        torch.onnx.export(text, (ids,), os.path.join(onnx_dir, "text_model_fp16.onnx"),
                          input_names=["input_ids"], output_names=["text_embeds", "last_hidden_state"],
                          dynamic_axes={"input_ids": {0: "batch_size", 1: "sequence_length"},
                                        "text_embeds": {0: "batch_size"},
                                        "last_hidden_state": {0: "batch_size", 1: "sequence_length"}}, **kw)
        torch.onnx.export(vision, (px,), os.path.join(onnx_dir, "vision_model_fp16.onnx"),
                          input_names=["pixel_values"], output_names=["image_embeds", "last_hidden_state"],
                          dynamic_axes={"pixel_values": {0: "batch_size"}, "image_embeds": {0: "batch_size"},
                                        "last_hidden_state": {0: "batch_size"}}, **kw)
    print("wrote fp16 graphs to", onnx_dir)


if __name__ == "__main__":
    main()
