"""Writes the synthetic perceptual-hash fixtures (and downscaled creatives) deterministically.

Run through scripts/phash/make-fixtures.sh, which sets up the venv, renders the text masks with
`vips text` and, when an adgen binary is there, renders the creatives. Usage:

    make_fixtures.py OUT TEXTDIR [RENDERS]

OUT      the fixture folder (Tests/AdgenCoreTests/Fixtures/phash)
TEXTDIR  holds text-a.png, text-b.png, text-c.png, banner.png: 1-band masks from `vips text`
RENDERS  optional: a folder with one `adgen render --out` folder per campaign (see CREATIVES)

Every random picture comes from numpy's PCG64 with a fixed seed, so a rerun writes the same pixels with the
same Pillow version (encoders may differ by a byte across versions; expected.json is made from the committed
files, so that does not matter).
"""

import json
import pathlib
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

LANCZOS = Image.Resampling.LANCZOS


def texture(seed, width, height, cells=12, blur=2.0, grain=18.0):
    """A photo-like texture: random colour blobs (a coarse random grid, bicubic-upsampled), grain, blur."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, size=(cells, max(2, cells * height // width), 3), dtype=np.uint8)
    base = Image.fromarray(coarse.transpose(1, 0, 2), "RGB").resize((width, height), Image.Resampling.BICUBIC)
    pixels = np.asarray(base).astype(np.float64)
    pixels += rng.normal(0, grain, size=pixels.shape)
    image = Image.fromarray(np.clip(pixels, 0, 255).round().astype(np.uint8), "RGB")
    return image.filter(ImageFilter.GaussianBlur(blur))


def blobs(seed, width, height, count=14):
    """Overlapping blurred ellipses on a two-colour gradient: a soft still life."""
    rng = np.random.default_rng(seed)
    image = gradient(width, height, tuple(rng.integers(0, 256, 3)), tuple(rng.integers(0, 256, 3)), "v")
    draw = ImageDraw.Draw(image)
    for _ in range(count):
        x, y = rng.integers(0, width), rng.integers(0, height)
        rx, ry = rng.integers(width // 20, width // 4), rng.integers(height // 20, height // 4)
        draw.ellipse((x - rx, y - ry, x + rx, y + ry), fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
    image = image.filter(ImageFilter.GaussianBlur(3))
    pixels = np.asarray(image).astype(np.float64) + rng.normal(0, 6, size=(height, width, 3))
    return Image.fromarray(np.clip(pixels, 0, 255).round().astype(np.uint8), "RGB")


def gradient(width, height, start, end, direction):
    """A linear gradient from `start` to `end` (RGB tuples): h, v or diagonal (d)."""
    x = np.linspace(0, 1, width)[None, :]
    y = np.linspace(0, 1, height)[:, None]
    t = {"h": x + 0 * y, "v": y + 0 * x, "d": (x + y) / 2}[direction]
    start, end = np.array(start, dtype=np.float64), np.array(end, dtype=np.float64)
    pixels = start + (end - start) * t[..., None]
    return Image.fromarray(pixels.round().astype(np.uint8), "RGB")


def radial(size, inner, outer):
    x = np.linspace(-1, 1, size)
    r = np.clip(np.sqrt(x[None, :] ** 2 + x[:, None] ** 2) / np.sqrt(2), 0, 1)
    inner, outer = np.array(inner, dtype=np.float64), np.array(outer, dtype=np.float64)
    pixels = inner + (outer - inner) * r[..., None]
    return Image.fromarray(pixels.round().astype(np.uint8), "RGB")


def shapes(seed, width, height, background=(240, 236, 228, 255), mode="RGB"):
    """Hard-edged circles, rectangles and triangles."""
    rng = np.random.default_rng(seed)
    image = Image.new(mode, (width, height), background if mode == "RGBA" else background[:3])
    draw = ImageDraw.Draw(image)
    for index in range(7):
        colour = tuple(int(v) for v in rng.integers(0, 256, 3)) + (255,)
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        s = int(rng.integers(width // 10, width // 4))
        if index % 3 == 0:
            draw.ellipse((x - s, y - s, x + s, y + s), fill=colour)
        elif index % 3 == 1:
            draw.rectangle((x - s, y - s // 2, x + s, y + s // 2), fill=colour)
        else:
            draw.polygon([(x, y - s), (x + s, y + s), (x - s, y + s)], fill=colour)
    return image


def text(mask_path, ink, paper):
    """A `vips text` mask (255 = ink) as ink on paper, with a margin."""
    mask = Image.open(mask_path).convert("L")
    width, height = mask.width + 32, mask.height + 32
    image = Image.new("RGB", (width, height), paper)
    image.paste(Image.new("RGB", mask.size, ink), (16, 16), mask)
    return image


def save(image, out, name, **options):
    path = out / name
    image.save(path, **options)
    return image


def synthetic(out, textdir):
    # Photo-like textures and their near-copies (re-encoded, resized, cropped, another format).
    a = save(texture(1, 256, 256), out, "photo-a.png", optimize=True)
    save(a, out, "photo-a-q40.jpg", quality=40)
    save(a.resize((128, 128), LANCZOS), out, "photo-a-small.png", optimize=True)
    save(a.crop((6, 6, 250, 250)), out, "photo-a-crop.png", optimize=True)
    save(a, out, "photo-a.webp", quality=75)

    b = save(texture(2, 320, 240, cells=10, blur=1.5), out, "photo-b.jpg", quality=90)
    save(b, out, "photo-b-q25.jpg", quality=25)
    save(b.resize((160, 120), LANCZOS), out, "photo-b-small.jpg", quality=85)

    c = save(blobs(3, 600, 400), out, "photo-c.jpg", quality=88)
    save(c.crop((18, 12, 582, 388)), out, "photo-c-crop.jpg", quality=88)

    grey = texture(4, 200, 300, cells=8, blur=2.5).convert("L")
    save(grey, out, "photo-grey.png", optimize=True)
    save(grey, out, "photo-grey-q50.jpg", quality=50)
    alpha = gradient(200, 300, (255, 255, 255), (40, 40, 40), "h").convert("L")
    save(Image.merge("LA", (grey, alpha)), out, "photo-grey-alpha.png", optimize=True)

    # RGBA with real transparency: both hashes ignore alpha and read the stored colours.
    d = texture(5, 300, 200, cells=9)
    hole = Image.new("L", d.size, 255)
    ImageDraw.Draw(hole).ellipse((60, 30, 240, 170), fill=0)
    d.putalpha(hole)
    save(d, out, "photo-d-alpha.webp", quality=80)
    save(d, out, "photo-d-alpha.png", optimize=True)

    # Gradients.
    save(gradient(256, 128, (20, 60, 200), (250, 200, 40), "h"), out, "gradient-h.png", optimize=True)
    save(gradient(128, 256, (200, 30, 60), (10, 10, 10), "v"), out, "gradient-v.jpg", quality=90)
    save(radial(300, (255, 250, 230), (60, 20, 90)), out, "gradient-radial.png", optimize=True)
    save(gradient(200, 200, (0, 0, 0), (255, 255, 255), "d"), out, "gradient-diag.webp", lossless=True)
    save(gradient(256, 256, (120, 120, 120), (136, 136, 136), "v"), out, "gradient-subtle.png", optimize=True)

    # Text (vips text masks).
    ta = text(textdir / "text-a.png", (0, 0, 0), (255, 255, 255)).convert("L")
    save(ta, out, "text-a.png", optimize=True)
    save(ta, out, "text-a-q50.jpg", quality=50)
    save(text(textdir / "text-b.png", (200, 85, 61), (59, 36, 23)), out, "text-b.png", optimize=True)
    mask = Image.open(textdir / "text-c.png").convert("L")
    tc = Image.new("RGBA", mask.size, (46, 74, 63, 0))
    tc.paste(Image.new("RGBA", mask.size, (242, 165, 65, 255)), (0, 0), mask)
    save(tc, out, "text-c-alpha.png", optimize=True)

    # Shapes.
    s = save(shapes(6, 256, 256), out, "shapes-a.png", optimize=True)
    save(s.resize((100, 100), LANCZOS), out, "shapes-a-small.jpg", quality=80)
    save(shapes(7, 240, 180, background=(0, 0, 0, 0), mode="RGBA"), out, "shapes-b-alpha.png", optimize=True)
    save(shapes(8, 200, 200).quantize(16), out, "shapes-c-palette.png", optimize=True)
    stripes = np.zeros((240, 240), dtype=np.uint8) + (((np.arange(240) // 12) % 2) * 200 + 30).astype(np.uint8)
    save(Image.fromarray(stripes, "L").convert("RGB"), out, "stripes.png", optimize=True)
    cells = ((np.arange(256)[:, None] // 32 + np.arange(256)[None, :] // 32) % 2) * 255
    save(Image.fromarray(cells.astype(np.uint8), "L"), out, "checker.png", optimize=True)

    # Flat colours: every AC coefficient is zero, so the hash is decided by rounding noise (see compare.sh).
    save(Image.new("RGB", (64, 64), (200, 40, 40)), out, "flat-red.png")
    save(Image.new("RGB", (64, 64), (128, 128, 128)), out, "flat-grey.jpg", quality=90)

    # Sizes: just above 32 px, below 32 px (upsampled), banner and skyscraper aspect ratios.
    save(texture(9, 36, 34, cells=5, blur=0.8), out, "tiny-36x34.png")
    save(texture(10, 24, 24, cells=4, blur=0.6), out, "tiny-24.png")
    banner = gradient(728, 90, (59, 36, 23), (200, 85, 61), "h")
    words = Image.open(textdir / "banner.png").convert("L")
    banner.paste((255, 255, 255), (20, 20, 20 + words.width, 20 + words.height), words)
    draw = ImageDraw.Draw(banner)
    draw.rounded_rectangle((560, 25, 700, 65), radius=12, fill=(232, 220, 200))
    save(banner, out, "banner-728x90.jpg", quality=85)
    tall = blobs(11, 120, 600, count=8)
    save(tall, out, "skyscraper-120x600.png", optimize=True)


# (campaign, size, variant ordinal in the render, fixture name, long side). Three variants of one size are
# what the scorer compares for near-duplicates; the other sizes add aspect ratios.
CREATIVES = [
    ("kettle-crema-subscription", "meta-feed", 0, "creative-kettle-v1-feed.jpg", 360),
    ("kettle-crema-subscription", "meta-feed", 1, "creative-kettle-v2-feed.jpg", 360),
    ("kettle-crema-subscription", "meta-feed", 2, "creative-kettle-v3-feed.jpg", 360),
    ("kettle-crema-subscription", "iab-billboard", 0, "creative-kettle-v1-billboard.jpg", 400),
    ("kettle-crema-subscription", "meta-story", 1, "creative-kettle-v2-story.jpg", 360),
    ("kettle-crema-subscription", "iab-mrec", 2, "creative-kettle-v3-mrec.png", 300),
    ("lumen-daybreak-serum", "meta-feed-portrait", 0, "creative-lumen-v1-portrait.jpg", 360),
    ("lumen-daybreak-serum", "meta-feed-portrait", 1, "creative-lumen-v2-portrait.jpg", 360),
    ("lumen-daybreak-serum", "iab-half-page", 2, "creative-lumen-v3-half-page.jpg", 400),
]


def creatives(out, renders):
    """Downscales the CREATIVES from `renders`/CAMPAIGN (adgen render --out), found through its scores.jsonl."""
    made = {}
    for campaign, size, ordinal, name, side in CREATIVES:
        folder = renders / campaign
        records = [json.loads(line) for line in (folder / "scores.jsonl").read_text().splitlines() if line]
        variants = list(dict.fromkeys(record["variant_id"] for record in records))
        match = [r["file"] for r in records if r["size"] == size and r["variant_id"] == variants[ordinal]]
        if len(match) != 1:
            sys.exit(f"make_fixtures.py: no render of variant {ordinal + 1} at {size} in {folder}")
        image = Image.open(folder / match[0]).convert("RGB")
        scale = side / max(image.size)
        image = image.resize((round(image.width * scale), round(image.height * scale)), LANCZOS)
        options = {"quality": 85} if name.endswith(".jpg") else {"optimize": True}
        made[name] = save(image, out, name, **options)
        print(f"{name}  <-  {campaign}/{match[0]} ({image.width}x{image.height})")
    feed = made["creative-kettle-v1-feed.jpg"]
    save(feed, out, "creative-kettle-v1-feed-q45.jpg", quality=45)
    save(feed.resize((240, 240), LANCZOS), out, "creative-kettle-v1-feed-small.png", optimize=True)
    save(made["creative-lumen-v1-portrait.jpg"], out, "creative-lumen-v1-portrait.webp", quality=70)


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    out, textdir = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    synthetic(out, textdir)
    if len(sys.argv) == 4:
        creatives(out, pathlib.Path(sys.argv[3]))


if __name__ == "__main__":
    main()
