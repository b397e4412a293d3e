#!/usr/bin/env python3
"""Write the committed test photos and their golden references under test/fixtures/.

  scripts/make-test-fixtures.py SCIKIT_IMAGE_WHEEL [--out test/fixtures]

SCIKIT_IMAGE_WHEEL is the scikit-image 0.26.0 wheel from PyPI, whose skimage/data/ holds public-domain /
CC0 sample photos (licenses in the docstrings of skimage/data/_fetchers.py, restated in LICENSES.md):

  pip download --no-deps --only-binary=:all: --python-version 3.12 \\
      --platform manylinux_2_28_x86_64 scikit-image==0.26.0 -d /tmp/wheel

Needs transformers (4.46.3), Pillow (9.4.0), numpy and tokenizers, no torch:

  python3 -m venv /tmp/venv && /tmp/venv/bin/pip install transformers==4.46.3 pillow==9.4.0 numpy tokenizers

Writes (see test/fixtures/README.md for the formats):
  photos/<name>                 the photos (some downscaled, one with an added ICC profile)
  golden/index.json             per photo: size, ICC profile, upscaled flags, golden file names, stats
  golden/clip/<name>.png        CLIPImageProcessor (openai/clip-vit-base-patch32 config): the 224x224 RGB
                                image after PIL's 8-bit resize + centre crop, before rescale/normalize
  golden/siglip/<name>.png      SiglipImageProcessor (224x224 bicubic, mean/std 0.5): same, after the resize
  golden/tokenizer-hf.json      CLIPTokenizerFast ids of the strings in golden/tokenizer-openai.json
  LICENSES.md                   the source and license of every fixture file

transformers resizes and crops in 8-bit PIL and only then rescales to float, so a golden PNG holds the
processor's output exactly: pixel_values = (png / 255 - mean) / std (CHW). The script checks that against
the processor's own float32 output for every photo before it writes anything.
"""
import argparse
import hashlib
import io
import json
import os
import shutil
import zipfile

import numpy as np
import PIL
import tokenizers
import transformers
from PIL import Image, ImageCms
from transformers import CLIPImageProcessor, CLIPTokenizerFast, SiglipImageProcessor
from transformers.image_transforms import resize
from transformers.image_utils import ChannelDimension

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL_DIR = os.path.join(REPO, "test", "fixtures", "tiny-clip")
WHEEL_VERSION = "scikit-image 0.26.0"
SIZE = 224

# name -> source file in skimage/data, what the photo shows, license (from _fetchers.py), how it was changed.
PHOTOS = [
    dict(name="astronaut.jpg", source="astronaut.png", subject="astronaut",
         license="No known copyright restrictions, released into the public domain (NASA, Eileen Collins).",
         change="PNG re-encoded as JPEG quality 90; its sRGB ICC profile kept"),
    dict(name="chelsea.jpg", source="chelsea.png", subject="cat",
         license="No copyright restrictions. CC0 by the photographer (Stefan van der Walt).",
         change="PNG re-encoded as JPEG quality 90; its sRGB ICC profile kept"),
    dict(name="coffee-adobergb.png", source="coffee.png", subject="cup of coffee", resize=(336, 224),
         icc_from="rocket.jpg",
         license="No copyright restrictions. CC0 by the photographer (Rachel Michetti).",
         change="downscaled to 336x224 (short edge exactly 224); the Adobe RGB (1998) ICC profile of rocket.jpg "
                "ADDED by this script (the pixels are unchanged sRGB values, tagged as Adobe RGB)"),
    dict(name="rocket.jpg", source="rocket.jpg", subject="rocket launch", copy=True,
         license="Captured by SpaceX and released into the public domain.",
         change="unchanged bytes (carries an Adobe RGB (1998) ICC profile from the source)"),
    dict(name="hubble_deep_field.jpg", source="hubble_deep_field.jpg", subject="galaxies in deep space",
         resize=(600, 523),
         license="Captured by NASA; may be freely used in the public domain.",
         change="downscaled to 600x523, JPEG quality 90; its sRGB ICC profile kept"),
    dict(name="retina-small.jpg", source="retina.jpg", subject="retina", resize=(200, 200),
         license="Creative Commons CC0 1.0 Universal Public Domain Dedication (Mikael Haggstrom, Wikimedia).",
         change="downscaled to 200x200 (short edge < 224: the processors upscale it), JPEG quality 90"),
    dict(name="coins.png", source="coins.png", subject="coins", copy=True,
         license="No known copyright restrictions (Brooklyn Museum).",
         change="unchanged bytes (8-bit grayscale PNG)"),
    dict(name="horse.png", source="horse.png", subject="horse", copy=True,
         license="No copyright restrictions. CC0 given by owner (Andreas Preuss (marauder), openclipart).",
         change="unchanged bytes (RGBA PNG with transparency)"),
    dict(name="camera.jpg", source="camera.png", subject="man with a camera",
         license="No copyright restrictions. CC0 by the photographer (Lav Varshney).",
         change="PNG re-encoded as 8-bit grayscale JPEG quality 90"),
    dict(name="gravel-strip.jpg", source="gravel.png", subject="gravel", crop=(0, 192, 512, 320),
         license="Creative Commons CC0 License (CC0Textures, Gravel04).",
         change="cropped to a 512x128 strip (4:1, short edge < 224), grayscale JPEG quality 90"),
]

# The strings whose ids the tokenizer tests check: OpenAI's cases plus the ones where HF's fast tokenizer
# differs or that stress its pre-tokenizer (accents, CJK, emoji, entities, whitespace, full-width forms).
EXTRA_TOKENIZER_CASES = [
    "This is a photo of café au lait.",
    "This is a photo of naïve art.",
    "This is a photo of 東京.",
    "This is a photo of R&D lab.",
    "This is a photo of a photo of 3D-printed parts!!.",
    "This is a photo of Crème  Brûlée.",
    "This is a photo of 🚀 rocket.",
    "This is a photo of Ångström.",
    "This is a photo of ZEBRA.",
    "This is a photo of Ben &amp; Jerry's.",
    "a\tb\nc",
    "   leading and trailing   ",
    "don't can't won't",
    "e-mail & i.e. 3.14",
    "ＦＵＬＬＷＩＤＴＨ",
    "straße",
]


def read_wheel(wheel):
    with zipfile.ZipFile(wheel) as z:
        return {os.path.basename(n): z.read(n) for n in z.namelist() if n.startswith("skimage/data/")}


def icc_description(data):
    if not data:
        return None
    return ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(data))).strip()


def make_photo(p, data):
    """The photo's bytes as committed."""
    if p.get("copy"):
        return data[p["source"]]
    im = Image.open(io.BytesIO(data[p["source"]]))
    icc = im.info.get("icc_profile")
    if p.get("icc_from"):
        icc = Image.open(io.BytesIO(data[p["icc_from"]])).info["icc_profile"]
    if "crop" in p:
        im = im.crop(p["crop"])
    if "resize" in p:
        im = im.resize(p["resize"], Image.LANCZOS)
    out = io.BytesIO()
    kw = {"icc_profile": icc} if icc else {}
    if p["name"].endswith(".png"):
        im.save(out, "PNG", optimize=True, **kw)
    else:
        im.save(out, "JPEG", quality=90, **kw)
    return out.getvalue()


def eight_bit_steps(processor, im):
    """Replays the processor's 8-bit PIL steps (convert RGB, resize, centre crop) on a PIL image."""
    arr = np.array(im.convert("RGB"))
    if isinstance(processor, CLIPImageProcessor):
        arr = processor.resize(arr, size=processor.size, resample=processor.resample, input_data_format="channels_last")
        arr = processor.center_crop(arr, size=processor.crop_size, input_data_format="channels_last")
    else:
        size = (processor.size["height"], processor.size["width"])
        arr = resize(arr, size=size, resample=processor.resample, input_data_format=ChannelDimension.LAST)
    assert arr.dtype == np.uint8 and arr.shape == (SIZE, SIZE, 3), (arr.dtype, arr.shape)
    return arr


def golden_png(processor, im, name):
    """The 224x224 8-bit image, checked against the processor's float32 output."""
    # As transformers' pipelines do (load_image): PIL RGB first. SiglipImageProcessor 4.46 would otherwise
    # fail on grayscale and keep alpha as a 4th channel (it converts to numpy before its RGB step).
    want = processor(images=im.convert("RGB"), return_tensors="np")["pixel_values"][0]
    arr = eight_bit_steps(processor, im)
    mean = np.array(processor.image_mean, dtype=np.float64)[:, None, None]
    std = np.array(processor.image_std, dtype=np.float64)[:, None, None]
    got = (arr.transpose(2, 0, 1) / 255.0 - mean) / std
    err = float(np.abs(got - want).max())
    assert err < 1e-5, f"{name}: the 8-bit image does not reproduce the processor output (max error {err})"
    out = io.BytesIO()
    Image.fromarray(arr, "RGB").save(out, "PNG", optimize=True)
    return out.getvalue(), want, err


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def tokenizer_goldens(out):
    openai = json.load(open(os.path.join(out, "golden", "tokenizer-openai.json")))
    texts = [c["text"] for c in openai["cases"]] + [t for t in EXTRA_TOKENIZER_CASES]
    texts = list(dict.fromkeys(texts))
    tok = CLIPTokenizerFast(tokenizer_file=os.path.join(MODEL_DIR, "tokenizer.json"))
    cases = [{"text": t, "ids": tok(t, truncation=True, max_length=77)["input_ids"]} for t in texts]
    return {
        "tokenizer": f"CLIPTokenizerFast (transformers {transformers.__version__}, tokenizers {tokenizers.__version__})"
                     " on test/fixtures/tiny-clip/tokenizer.json, truncation at 77",
        "note": "ids as the HF pipeline tokenizes (no HTML unescape; OpenAI's simple_tokenizer unescapes &amp;)",
        "cases": cases,
    }


def licenses_md(entries):
    rows = "\n".join(
        f"| `photos/{e['image']}` | {e['subject']} | skimage/data/{e['source']} | {e['license']} | {e['change']} |"
        for e in entries
    )
    return f"""# Licenses of the test fixtures

Everything under `test/fixtures/` may be redistributed with this repository.

## Photos (`photos/`)

From `skimage/data/` in the {WHEEL_VERSION} wheel on PyPI; each license is quoted from the docstring of the
matching function in `skimage/data/_fetchers.py`. Written by `scripts/make-test-fixtures.py`.

| file | shows | source | license | changes |
|---|---|---|---|---|
{rows}

The golden images under `golden/clip/` and `golden/siglip/` are derived from these photos (same licenses).

## Tokenizer and preprocessor files (`tiny-clip/tokenizer.json`, `tokenizer_config.json`,
`special_tokens_map.json`, `preprocessor_config.json`)

From `Xenova/clip-vit-base-patch32` on the Hugging Face hub (MIT license), the transformers.js conversion of
OpenAI CLIP (`openai/clip-vit-base-patch32`, MIT license, Copyright (c) 2021 OpenAI). Unchanged.

## Model (`tiny-clip/onnx/*.onnx`, `tiny-clip/config.json`)

Random weights written by `scripts/make-stand-in-clip.py --preset tiny --seed 0` (this repository, MIT).
Its scores mean nothing.

## Token ids (`golden/tokenizer-openai.json`, `golden/tokenizer-hf.json`)

`tokenizer-openai.json`: ids from OpenAI CLIP's reference tokenizer (`clip/simple_tokenizer.py`,
`bpe_simple_vocab_16e6`, MIT license). `tokenizer-hf.json`: ids from Hugging Face's CLIPTokenizerFast on
the tokenizer above, written by `scripts/make-test-fixtures.py`.
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("wheel", help="the scikit-image 0.26.0 wheel (.whl)")
    ap.add_argument("--out", default=os.path.join(REPO, "test", "fixtures"))
    a = ap.parse_args()
    data = read_wheel(a.wheel)
    pre = json.load(open(os.path.join(MODEL_DIR, "preprocessor_config.json")))
    clip = CLIPImageProcessor(**{k: v for k, v in pre.items() if not k.endswith("_type")})
    siglip = SiglipImageProcessor(size={"height": SIZE, "width": SIZE}, resample=Image.BICUBIC,
                                  image_mean=[0.5, 0.5, 0.5], image_std=[0.5, 0.5, 0.5], do_convert_rgb=True)
    for sub in ("photos", "golden/clip", "golden/siglip"):
        shutil.rmtree(os.path.join(a.out, sub), ignore_errors=True)
    entries = []
    for p in PHOTOS:
        photo = make_photo(p, data)
        write(os.path.join(a.out, "photos", p["name"]), photo)
        im = Image.open(io.BytesIO(photo))
        icc = im.info.get("icc_profile")
        entry = {
            "image": p["name"], "subject": p["subject"], "source": p["source"], "license": p["license"],
            "change": p["change"], "width": im.width, "height": im.height, "mode": im.mode,
            "icc_profile": bool(icc), "icc_description": icc_description(icc),
            "sha256": hashlib.sha256(photo).hexdigest(),
        }
        for kind, proc, upscaled in (
            ("clip", clip, min(im.width, im.height) < SIZE),
            ("siglip", siglip, im.width < SIZE or im.height < SIZE),
        ):
            png, values, err = golden_png(proc, im, p["name"])
            rel = f"{kind}/{p['name']}.png"
            write(os.path.join(a.out, "golden", rel), png)
            entry[kind] = {"png": rel, "upscaled": upscaled, "mean": float(values.mean()),
                           "std": float(values.std()), "max_error_vs_processor": err}
        entries.append(entry)
        print(f"{p['name']}: {im.width}x{im.height} {im.mode} icc={entry['icc_description']}")
    index = {
        "transformers": transformers.__version__, "pillow": PIL.__version__, "numpy": np.__version__,
        "photos_from": f"{WHEEL_VERSION} wheel (PyPI), skimage/data/",
        "format": "golden/<kind>/<photo>.png: 8-bit RGB, 224x224, no ICC profile, the processor's image after "
                  "its 8-bit PIL resize (+ crop) and before rescale/normalize; pixel_values (float32 CHW) = "
                  "(png / 255 - image_mean) / image_std, exact to < 1e-5 (max_error_vs_processor); mean/std are "
                  "of those pixel_values",
        "clip_recipe": "CLIPImageProcessor(tiny-clip/preprocessor_config.json, openai/clip-vit-base-patch32): PIL "
                       "RGB convert (embedded ICC profiles NOT applied, alpha dropped), resize shortest edge 224 "
                       "bicubic, centre crop 224, /255, CLIP mean/std",
        "clip": {"image_mean": clip.image_mean, "image_std": clip.image_std},
        "siglip_recipe": "SiglipImageProcessor(do_convert_rgb=True): PIL RGB convert (ICC NOT applied, alpha dropped), "
                         "resize to 224x224 bicubic (no crop), /255, mean 0.5 std 0.5",
        "siglip": {"image_mean": siglip.image_mean, "image_std": siglip.image_std},
        "images": entries,
    }
    write(os.path.join(a.out, "golden", "index.json"), (json.dumps(index, indent=1, ensure_ascii=False) + "\n").encode())
    hf = tokenizer_goldens(a.out)
    write(os.path.join(a.out, "golden", "tokenizer-hf.json"), (json.dumps(hf, indent=1, ensure_ascii=False) + "\n").encode())
    write(os.path.join(a.out, "LICENSES.md"), licenses_md(entries).encode())
    print("wrote", a.out)


if __name__ == "__main__":
    main()
