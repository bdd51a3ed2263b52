#!/usr/bin/env python3
"""The Python side of Benchmarks/run-imaging.sh: sources, the baselines, the checks and the tables.

    imaging_bench.py sources DIR [--count N]        50 deterministic 2048x2048 PNG sources (kept when current)
    imaging_bench.py pillow-pack SOURCES OUT        Pillow, one process: decode once, ImageOps.fit (centre crop)
    imaging_bench.py pyvips-pack SOURCES OUT [--adgen-jpeg | --proxy-attention]
                                                    pyvips, one process: decode once, thumbnail_image(crop=attention);
                                                    --adgen-jpeg saves JPEGs with adgen's options; --proxy-attention
                                                    finds the attention window on a 256-px proxy and resizes only it
    imaging_bench.py cli-pack TOOL SOURCES OUT      one process per file: TOOL is vipsthumbnail (per output, attention),
                                                    magick (convert per output) or magick-clone (convert per source,
                                                    +clone -write for the 8 outputs)
    imaging_bench.py verify OUT [--compare OTHER] [--limit N]
                                                    count, names and dimensions of a pack's outputs; JPEG quality
                                                    from the quantisation tables; bytes per size
    imaging_bench.py pillow-layout IMAGE N [--out FILE]
    imaging_bench.py pyvips-layout IMAGE N [--out FILE]
                                                    headline + CTA layout + JPEG q85 on a 1080x1080 image, N times
    imaging_bench.py table RESULTS RUN              the tables of one run of the JSON lines

Every measurement prints one JSON line with `seconds` (the timed part only) and `peak_rss_mib`
(getrusage ru_maxrss: of this process, or, for cli-pack, of the largest child).
"""

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time
from functools import lru_cache

# The 8 sizes of issue 3: seven JPEG q85, the 320x50 as PNG. Same order and names as imaging-bench.
PACK = [
    (1080, 1080, "jpg"), (1080, 1350, "jpg"), (1080, 1920, "jpg"), (1200, 628, "jpg"),
    (300, 250, "jpg"), (728, 90, "jpg"), (160, 600, "jpg"), (320, 50, "png"),
]
SOURCE_SIZE = 2048
SOURCES_VERSION = "imaging-sources-1"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def rss_mib(who=resource.RUSAGE_SELF):
    return resource.getrusage(who).ru_maxrss / 1024


def emit(**fields):
    print(json.dumps(fields), flush=True)


def vips_concurrency():
    return os.environ.get("VIPS_CONCURRENCY", "default")


def source_paths(folder, limit=None):
    paths = sorted(os.path.join(folder, n) for n in os.listdir(folder) if n.endswith(".png"))
    if not paths:
        sys.exit(f"imaging_bench.py: no .png files in {folder}")
    return paths[:limit] if limit else paths


def output_name(stem, width, height, ext):
    return f"{stem}_{width}x{height}.{ext}"


# Sources ---------------------------------------------------------------------------------------------------------


def make_source(index):
    """A 2048x2048 picture: a soft two-colour gradient, large blurred blobs, low-contrast shapes, one saturated,
    detailed 'product' off-centre (what an attention crop should keep), a skin-toned oval, and noise."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter

    rng = np.random.default_rng(1000 + index)
    n = SOURCE_SIZE
    # Gradient between two muted colours, at a random angle.
    a, b = rng.uniform(40, 200, 3), rng.uniform(40, 200, 3)
    angle = rng.uniform(0, 2 * np.pi)
    y, x = np.mgrid[0:n, 0:n].astype(np.float32) / n
    t = np.clip(0.5 + (x - 0.5) * np.cos(angle) + (y - 0.5) * np.sin(angle), 0, 1)[..., None]
    pixels = a * (1 - t) + b * t
    background = Image.fromarray(pixels.astype(np.uint8), "RGB")

    # Large soft blobs and low-contrast shapes.
    layer = Image.new("RGBA", (n, n), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for _ in range(6):
        cx, cy, r = rng.uniform(0, n, 2).tolist() + [rng.uniform(n / 10, n / 3)]
        colour = tuple(int(c) for c in rng.uniform(30, 220, 3)) + (90,)
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=colour)
    layer = layer.filter(ImageFilter.GaussianBlur(40))
    background = Image.alpha_composite(background.convert("RGBA"), layer)
    draw = ImageDraw.Draw(background)
    for _ in range(8):
        x0, y0 = rng.uniform(0, n, 2)
        w, h = rng.uniform(n / 20, n / 5, 2)
        colour = tuple(int(c) for c in rng.uniform(60, 190, 3)) + (255,)
        if rng.random() < 0.5:
            draw.rectangle([x0, y0, x0 + w, y0 + h], fill=colour)
        else:
            draw.ellipse([x0, y0, x0 + w, y0 + h], fill=colour)

    # The 'product': a saturated, detailed object, away from the centre on at least one axis.
    px, py = rng.uniform(0.15, 0.85, 2) * n
    if abs(px - n / 2) < n / 6 and abs(py - n / 2) < n / 6:
        px = n / 2 + (n / 3 if px > n / 2 else -n / 3)
    size = rng.uniform(n / 10, n / 6)
    hue = [(230, 40, 30), (30, 90, 230), (250, 190, 20), (30, 200, 90)][index % 4]
    draw.rounded_rectangle([px - size, py - size * 0.6, px + size, py + size * 0.6], radius=size / 5, fill=hue)
    for k in range(1, 8):
        r = size * 0.55 * k / 8
        draw.ellipse([px - r, py - r, px + r, py + r], outline=(255, 255, 255) if k % 2 else (15, 15, 15), width=6)
    for k in range(12):
        draw.line([px - size, py - size * 0.6 + k * size / 10, px - size * 0.6, py - size * 0.6 + k * size / 10],
                  fill=(250, 250, 250), width=4)
    # A skin-toned oval (a face, roughly) near the product.
    fx, fy = px + rng.uniform(-1, 1) * size * 1.4, py - size * 1.2
    draw.ellipse([fx - size * 0.35, fy - size * 0.45, fx + size * 0.35, fy + size * 0.45], fill=(224, 172, 140))

    rgb = np.asarray(background.convert("RGB"), dtype=np.int16)
    rgb = rgb + rng.normal(0, 5, rgb.shape).astype(np.int16)
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")


def cmd_sources(args):
    """Makes source-00.png ... up to --count in DIR; those already there are kept while the generator's version
    (in DIR/sources.json) is unchanged, so a smaller or larger count only makes what is missing."""
    os.makedirs(args.dir, exist_ok=True)
    stamp = os.path.join(args.dir, "sources.json")
    want = {"version": SOURCES_VERSION, "size": SOURCE_SIZE}
    try:
        current = json.load(open(stamp)) == want
    except (OSError, ValueError):
        current = False
    if not current:
        for stale in os.listdir(args.dir):
            if stale.endswith(".png"):
                os.remove(os.path.join(args.dir, stale))
        json.dump(want, open(stamp, "w"))
    missing = [i for i in range(args.count) if not os.path.exists(os.path.join(args.dir, f"source-{i:02d}.png"))]
    start = time.perf_counter()
    for i in missing:
        target = os.path.join(args.dir, f"source-{i:02d}.png")
        make_source(i).save(target + ".tmp", "PNG", compress_level=6)
        os.replace(target + ".tmp", target)
    print(f"   {args.count} sources in {args.dir}: {len(missing)} made"
          + (f" in {time.perf_counter() - start:.0f} s" if missing else ""), file=sys.stderr)


# The pack --------------------------------------------------------------------------------------------------------


def cmd_pillow_pack(args):
    from PIL import Image, ImageOps

    sources = source_paths(args.sources, args.limit)
    os.makedirs(args.out, exist_ok=True)
    outputs = 0
    start = time.perf_counter()
    for path in sources:
        stem = os.path.splitext(os.path.basename(path))[0]
        with Image.open(path) as opened:
            image = opened.convert("RGB")  # decoded once
        for width, height, ext in PACK:
            fitted = ImageOps.fit(image, (width, height), method=Image.Resampling.LANCZOS, centering=(0.5, 0.5))
            target = os.path.join(args.out, output_name(stem, width, height, ext))
            if ext == "jpg":
                fitted.save(target, "JPEG", quality=85)
            else:
                fitted.save(target, "PNG")
            outputs += 1
    seconds = time.perf_counter() - start
    import PIL
    emit(bench="pack", impl="pillow", version=PIL.__version__, crop="centre", sources=len(sources), outputs=outputs,
         seconds=round(seconds, 3), outputs_per_second=round(outputs / seconds, 2), peak_rss_mib=round(rss_mib(), 1))


def cmd_pyvips_pack(args):
    import pyvips

    sources = source_paths(args.sources, args.limit)
    os.makedirs(args.out, exist_ok=True)
    # --adgen-jpeg: the options AdgenImaging passes to jpegsave (Sources/CVips/shim.h), to price them.
    jpeg = dict(Q=85, strip=True, optimize_coding=True) if args.adgen_jpeg else dict(Q=85)
    outputs = 0
    start = time.perf_counter()
    for path in sources:
        stem = os.path.splitext(os.path.basename(path))[0]
        image = pyvips.Image.new_from_file(path).copy_memory()  # decoded once
        proxy = image.shrink(image.width / PROXY, image.height / PROXY).copy_memory() if args.proxy_attention else None
        for width, height, ext in PACK:
            if proxy is not None:
                fitted = proxy_attention_fill(image, proxy, width, height)
            else:
                fitted = image.thumbnail_image(width, height=height, crop="attention", size="both")
            target = os.path.join(args.out, output_name(stem, width, height, ext))
            if ext == "jpg":
                fitted.jpegsave(target, **jpeg)
            else:
                fitted.pngsave(target)
            outputs += 1
    seconds = time.perf_counter() - start
    impl = "pyvips-proxy-attention" if args.proxy_attention else "pyvips-adgen-jpeg" if args.adgen_jpeg else "pyvips"
    emit(bench="pack", impl=impl,
         version=f"{pyvips.__version__} (libvips {pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)})",
         crop="attention", vips_concurrency=vips_concurrency(), sources=len(sources), outputs=outputs,
         seconds=round(seconds, 3), outputs_per_second=round(outputs / seconds, 2), peak_rss_mib=round(rss_mib(), 1))


PROXY = 256


def proxy_attention_fill(image, proxy, width, height):
    """Crop-to-fill with the attention analysis on a small proxy of the source (shared by all sizes), then only the
    chosen window of the source resized, lanczos3 without a box pre-shrink: a prototype of what `Image.filled`
    could do (see README.md). libvips' smartcrop measures attention on a ~32-px copy anyway, so the proxy finds the
    same windows give or take a few pixels."""
    import pyvips  # noqa: F401

    scale = max(width / image.width, height / image.height)
    window_width, window_height = min(image.width, width / scale), min(image.height, height / scale)
    if image.width - window_width < 1 and image.height - window_height < 1:
        window = image
    else:
        ratio_x, ratio_y = proxy.width / image.width, proxy.height / image.height
        _, found = proxy.smartcrop(max(1, round(window_width * ratio_x)), max(1, round(window_height * ratio_y)),
                                   interesting="attention", attention_x=True, attention_y=True)
        centre_x, centre_y = found["attention_x"] / ratio_x, found["attention_y"] / ratio_y
        left = min(max(0.0, centre_x - window_width / 2), image.width - window_width)
        top = min(max(0.0, centre_y - window_height / 2), image.height - window_height)
        window = image.crop(int(left), int(top), int(round(window_width)), int(round(window_height)))
    # gap=0: lanczos3 all the way. libvips 8.14's default (gap 2: a box shrink by an integer factor, then the
    # lanczos3 reduce) is ~15x slower here whenever the factor is 2 or more (300x250, 320x50 from 2048x2048).
    return window.resize(width / window.width, vscale=height / window.height, gap=0)


def cmd_cli_pack(args):
    sources = source_paths(args.sources, args.limit)
    os.makedirs(args.out, exist_ok=True)
    commands = []
    for path in sources:
        stem = os.path.splitext(os.path.basename(path))[0]
        targets = [(w, h, os.path.join(args.out, output_name(stem, w, h, ext))) for w, h, ext in PACK]
        if args.tool == "vipsthumbnail":
            for w, h, target in targets:
                suffix = "[Q=85]" if target.endswith(".jpg") else ""
                commands.append(["vipsthumbnail", path, "--size", f"{w}x{h}", "--smartcrop", "attention",
                                 "-o", target + suffix])
        elif args.tool == "magick":
            for w, h, target in targets:
                commands.append(["convert", path, "-resize", f"{w}x{h}^", "-gravity", "center", "-extent", f"{w}x{h}"]
                                + (["-quality", "85"] if target.endswith(".jpg") else []) + [target])
        elif args.tool == "magick-clone":
            command = ["convert", path, "-gravity", "center"]
            for w, h, target in targets:
                quality = "85" if target.endswith(".jpg") else "75"  # 75: ImageMagick's PNG default (zlib 7)
                command += ["(", "+clone", "-resize", f"{w}x{h}^", "-extent", f"{w}x{h}", "-quality", quality,
                            "-write", target, "+delete", ")"]
            commands.append(command + ["null:"])
        else:
            sys.exit(f"imaging_bench.py: unknown tool {args.tool}")
    start = time.perf_counter()
    for command in commands:
        subprocess.run(command, check=True, stdin=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    outputs = len(sources) * len(PACK)
    crop = "attention" if args.tool == "vipsthumbnail" else "centre"
    version = subprocess.run(["vips", "--version"] if args.tool == "vipsthumbnail" else ["convert", "-version"],
                             capture_output=True, text=True).stdout.splitlines()[0]
    emit(bench="pack", impl=args.tool, version=version, crop=crop, vips_concurrency=vips_concurrency(),
         processes=len(commands), sources=len(sources), outputs=outputs, seconds=round(seconds, 3),
         outputs_per_second=round(outputs / seconds, 2), peak_rss_mib=round(rss_mib(resource.RUSAGE_CHILDREN), 1))


# Checks ----------------------------------------------------------------------------------------------------------

# The IJG (libjpeg) luminance quantisation table at quality 50, in natural order.
IJG_LUMINANCE = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
]


def jpeg_quality(image):
    """The IJG quality whose luminance table is closest to the file's (exact for libjpeg/libjpeg-turbo files)."""
    from PIL import JpegImagePlugin  # noqa: F401  (quantization tables)

    table = image.quantization.get(0)
    if table is None:
        return None
    # Pillow gives the table in zigzag order in some versions and natural order in others: compare as multisets
    # is not enough, so try both orders.
    from PIL.JpegImagePlugin import zigzag_index

    natural = list(table)
    zigzagged = [0] * 64
    for position, value in enumerate(table):
        zigzagged[zigzag_index[position]] = value
    best = None
    for quality in range(1, 101):
        scale = 5000 / quality if quality < 50 else 200 - 2 * quality
        expected = [min(255, max(1, (v * scale + 50) // 100)) for v in IJG_LUMINANCE]
        error = min(sum(abs(a - b) for a, b in zip(expected, natural)),
                    sum(abs(a - b) for a, b in zip(expected, zigzagged)))
        if best is None or error < best[1]:
            best = (quality, error)
    return best[0]


def cmd_verify(args):
    from PIL import Image, ImageChops, ImageStat

    names = sorted(n for n in os.listdir(args.out) if n.endswith((".jpg", ".png")))
    sources = sorted({n.rsplit("_", 1)[0] for n in names})
    expected = {output_name(s, w, h, e) for s in sources for w, h, e in PACK}
    problems = []
    if args.sources and len(sources) != args.sources:
        problems.append(f"{len(sources)} sources' outputs, expected {args.sources}")
    missing = sorted(expected - set(names))
    extra = sorted(set(names) - expected)
    if missing:
        problems.append(f"{len(missing)} missing, e.g. {missing[0]}")
    if extra:
        problems.append(f"{len(extra)} unexpected files, e.g. {extra[0]}")
    sizes, qualities, formats = {}, {}, set()
    for name in sorted(set(names) & expected):
        width, height = (int(v) for v in name.rsplit("_", 1)[1].split(".")[0].split("x"))
        path = os.path.join(args.out, name)
        with Image.open(path) as image:
            formats.add(image.format)
            if image.size != (width, height):
                problems.append(f"{name} is {image.size[0]}x{image.size[1]}")
            if image.format != ("JPEG" if name.endswith(".jpg") else "PNG"):
                problems.append(f"{name} is {image.format}")
            if image.format == "JPEG":
                quality = jpeg_quality(image)
                qualities[quality] = qualities.get(quality, 0) + 1
        sizes.setdefault(f"{width}x{height}", []).append(os.path.getsize(path))
    mean_bytes = {k: round(sum(v) / len(v)) for k, v in sizes.items()}
    result = dict(folder=os.path.basename(args.out), files=len(names), sources=len(sources), ok=not problems,
                  problems=problems[:5], jpeg_quality=qualities, mean_bytes=mean_bytes)
    if args.compare:
        # How far the outputs are from another implementation's of the same names (mean absolute difference per
        # channel, 0-255): two attention crops of the same libvips should agree up to JPEG noise, a centre crop not.
        differences = []
        for name in sorted(set(names) & expected)[: args.limit or None]:
            other = os.path.join(args.compare, name)
            if not os.path.exists(other):
                continue
            with Image.open(os.path.join(args.out, name)) as a, Image.open(other) as b:
                diff = ImageChops.difference(a.convert("RGB"), b.convert("RGB"))
                differences.append((sum(ImageStat.Stat(diff).mean) / 3, name))
        if differences:
            differences.sort()
            result["compare"] = dict(against=os.path.basename(args.compare), files=len(differences),
                                     median_mad=round(differences[len(differences) // 2][0], 2),
                                     max_mad=round(differences[-1][0], 2),
                                     over_10=sum(1 for d, _ in differences if d > 10),
                                     over_10_files=[n for d, n in differences if d > 10][:40])
    emit(bench="verify", **result)
    if problems:
        sys.exit(1)


# The layout ------------------------------------------------------------------------------------------------------
#
# The same arrangement as adgen's built-in layout (Sources/AdgenCore/Pipeline/LayoutStep.swift, "panel" shape) on a
# 1080x1080 canvas, with the copy of Benchmarks/campaigns/layout-bench.yaml: a dark gradient at the top behind
# the brand name and the headline (auto-fitted into 92 % of the safe width, at most 3 lines, 22 % of the safe
# height), a dark gradient at the bottom behind a rounded button in the brand colour with its label centred, and a
# thin bar in the brand colour along the bottom edge. adgen's standard layout also gives the headline a soft shadow
# (a blurred copy of its glyphs), which these do not.

BRAND = "Ridgeline Running"
HEADLINE = "Grip the descent. Run further on the Ridge 3 this spring."
CTA = "Shop now"
ACCENT = (0xFF, 0x5A, 0x1F)
DARK = (0x1F, 0x29, 0x37)


def geometry(width, height):
    margin = max(4, int(min(width, height) * 0.06))
    left, top, right, bottom = margin, margin, width - margin, height - margin
    safe_width, safe_height = right - left, bottom - top
    brand_height = max(12, safe_height // 16)
    headline_height = safe_height * 22 // 100
    gap = safe_height // 40
    button_height = max(20, min(safe_height // 9, safe_width // 7))
    label_width = int(len(CTA) * 0.6 * button_height * 0.56) + button_height * 2 // 3
    button_width = min(safe_width, max(button_height * 3, safe_width * 42 // 100, label_width))
    return dict(
        left=left, top=top, bottom=bottom, safe_width=safe_width,
        top_scrim=top + brand_height + gap + headline_height + safe_height // 12,
        brand=(left, top, safe_width * 45 // 100, brand_height),
        headline=(left, top + brand_height + gap, safe_width * 92 // 100, headline_height),
        bottom_scrim=bottom - button_height * 3,
        button=(left, bottom - button_height, button_width, button_height),
        bar=max(1, round(min(width, height) * 0.012)),
    )


@lru_cache(maxsize=None)
def font(size):
    from PIL import ImageFont

    return ImageFont.truetype(FONT, size)


def wrap(text, size, width):
    words, lines, line = text.split(), [], ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if font(size).getlength(candidate) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    return lines + [line]


def fitted(text, width, height, max_lines):
    """The largest size (binary search) at which `text`, wrapped at `width`, fits `height` in `max_lines` lines."""
    low, high, best = 6, max(6, height), None
    while low <= high:
        size = (low + high) // 2
        lines = wrap(text, size, width)
        line_height = sum(font(size).getmetrics())
        if (len(lines) <= max_lines and len(lines) * line_height <= height
                and all(font(size).getlength(line) <= width for line in lines)):
            best = (size, lines, line_height)
            low = size + 1
        else:
            high = size - 1
    return best or (6, wrap(text, 6, width), sum(font(6).getmetrics()))


def pillow_layout_once(source, g):
    from PIL import Image, ImageDraw

    canvas = source.copy()
    width, height = canvas.size
    # Scrims: a dark colour through a vertical 0.8 -> 0 (top) and 0 -> 0.8 (bottom) gradient mask.
    shade = Image.new("RGB", (width, height), DARK)
    ramp = Image.linear_gradient("L")  # 256x256, black at the top
    top_mask = ramp.transpose(Image.Transpose.FLIP_TOP_BOTTOM).resize((width, g["top_scrim"])).point(
        lambda v: v * 8 // 10)
    canvas.paste(shade.crop((0, 0, width, g["top_scrim"])), (0, 0), top_mask)
    bottom_height = height - g["bottom_scrim"]
    bottom_mask = ramp.resize((width, bottom_height)).point(lambda v: v * 8 // 10)
    canvas.paste(shade.crop((0, 0, width, bottom_height)), (0, g["bottom_scrim"]), bottom_mask)
    draw = ImageDraw.Draw(canvas)
    for text, box, max_lines in ((BRAND, g["brand"], 1), (HEADLINE, g["headline"], 3)):
        x, y, w, h = box
        size, lines, line_height = fitted(text, w, h, max_lines)
        for i, line in enumerate(lines):
            draw.text((x, y + i * line_height), line, font=font(size), fill=(255, 255, 255))
    x, y, w, h = g["button"]
    draw.rounded_rectangle([x, y, x + w - 1, y + h - 1], radius=h // 2, fill=ACCENT)
    padding = max(4, h // 3)
    size, lines, _ = fitted(CTA, w - 2 * padding, h * 56 // 100, 1)
    draw.text((x + w / 2, y + h / 2), lines[0], font=font(size), fill=(255, 255, 255), anchor="mm")
    draw.rectangle([0, height - g["bar"], width - 1, height - 1], fill=ACCENT)
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def cmd_pillow_layout(args):
    from PIL import Image

    with Image.open(args.image) as opened:
        source = opened.convert("RGB")
    g = geometry(*source.size)
    for _ in range(3):
        data = pillow_layout_once(source, g)
    total = 0
    start = time.perf_counter()
    for _ in range(args.n):
        data = pillow_layout_once(source, g)
        total += len(data)
    seconds = time.perf_counter() - start
    if args.out:
        open(args.out, "wb").write(data)
    import PIL
    emit(bench="layout", impl="pillow", version=PIL.__version__, iterations=args.n, seconds=round(seconds, 3),
         outputs_per_second=round(args.n / seconds, 2), mean_bytes=total // args.n, peak_rss_mib=round(rss_mib(), 1))


def pyvips_layout_once(source, g, pyvips):
    width, height = source.width, source.height
    canvas = source

    def over(base, overlay, x, y):
        return base.composite2(overlay, "over", x=x, y=y)

    def scrim(y0, rows, fading_down):
        ramp = pyvips.Image.xyz(1, rows)[1].linear(0.8 * 255 / max(1, rows - 1), 0)
        if fading_down:
            ramp = ramp.flip("vertical")
        alpha = ramp.cast("uchar").resize(width, kernel="nearest", vscale=1)
        rgb = (pyvips.Image.black(width, rows) + list(DARK)).cast("uchar")
        return over(canvas, rgb.bandjoin(alpha).copy(interpretation="srgb"), 0, y0)

    canvas = scrim(0, g["top_scrim"], True)
    canvas = scrim(g["bottom_scrim"], height - g["bottom_scrim"], False)

    def text(markup, x, y, w, h, align="low"):
        mask = pyvips.Image.text(markup, font="DejaVu Sans Bold", width=w, height=h, align=align)
        ink = (mask.new_from_image([255, 255, 255])).bandjoin(mask).copy(interpretation="srgb")
        return ink, x, y

    ink, x, y = text(BRAND, *g["brand"])
    canvas = over(canvas, ink, x, y)
    ink, x, y = text(HEADLINE, *g["headline"])
    canvas = over(canvas, ink, x, y)
    x, y, w, h = g["button"]
    button = pyvips.Image.svgload_buffer(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}"><rect width="{w}" height="{h}" '
        f'rx="{h // 2}" fill="#{ACCENT[0]:02X}{ACCENT[1]:02X}{ACCENT[2]:02X}"/></svg>'.encode())
    canvas = over(canvas, button, x, y)
    padding = max(4, h // 3)
    label, _, _ = text(CTA, 0, 0, w - 2 * padding, h * 56 // 100, align="centre")
    canvas = over(canvas, label, x + (w - label.width) // 2, y + (h - label.height) // 2)
    bar = (pyvips.Image.black(width, g["bar"]) + list(ACCENT)).cast("uchar").bandjoin(255).copy(interpretation="srgb")
    canvas = over(canvas, bar, 0, height - g["bar"])
    return canvas.flatten().jpegsave_buffer(Q=85)


def cmd_pyvips_layout(args):
    import pyvips

    source = pyvips.Image.new_from_file(args.image).copy_memory()
    g = geometry(source.width, source.height)
    for _ in range(3):
        data = pyvips_layout_once(source, g, pyvips)
    total = 0
    start = time.perf_counter()
    for _ in range(args.n):
        data = pyvips_layout_once(source, g, pyvips)
        total += len(data)
    seconds = time.perf_counter() - start
    if args.out:
        open(args.out, "wb").write(data)
    emit(bench="layout", impl="pyvips", version=pyvips.__version__, vips_concurrency=vips_concurrency(),
         iterations=args.n, seconds=round(seconds, 3), outputs_per_second=round(args.n / seconds, 2),
         mean_bytes=total // args.n, peak_rss_mib=round(rss_mib(), 1))


# Tables ----------------------------------------------------------------------------------------------------------

MB_PER_MIB = 1.048576


def label(r):
    impl = r["impl"]
    if impl == "adgen":
        threads = "1 thread" if r.get("tasks", 1) == 1 else f"TaskGroup, {r['tasks']} tasks"
        fresh = ", every text fitted afresh" if r.get("text_cache") is False else ""
        product = ", with the product" if r.get("product") is True else ""
        return f"adgen ({threads}, VIPS_CONCURRENCY={r.get('vips_concurrency', 'default')}{fresh}{product})"
    if r.get("bench") == "layout":
        return {"pillow": "Pillow (ImageDraw, truetype)", "pyvips": "pyvips (text, svgload, composite2)"}.get(impl, impl)
    return {
        "pillow": "Pillow, one process (centre crop)",
        "pyvips": "pyvips, one process (attention)",
        "pyvips-adgen-jpeg": "pyvips, adgen's JPEG options (attention)",
        "pyvips-proxy-attention": "pyvips, attention on a 256-px proxy (prototype)",
        "vipsthumbnail": "vipsthumbnail per output (attention)",
        "magick": "ImageMagick convert per output (centre)",
        "magick-clone": "ImageMagick convert per source (centre)",
    }.get(impl, impl)


def print_table(title, rows, goal_ratio, goal_rss_mb, footnote):
    pillow = next((r for r in rows if r["impl"] == "pillow"), None)
    lines = [("implementation", "outputs/s", "peak RSS MB", "ratio to Pillow", "goal met?", "load")]
    met_all = True
    for r in rows:
        ratio = r["outputs_per_second"] / pillow["outputs_per_second"] if pillow else None
        rss_mb = r["peak_rss_mib"] * MB_PER_MIB
        goal = "-"
        if r["impl"] == "adgen" and ratio is not None:
            ok = ratio >= goal_ratio and (goal_rss_mb is None or rss_mb < goal_rss_mb)
            met_all &= ok
            goal = "yes" if ok else "NO"
        lines.append((label(r), f"{r['outputs_per_second']:.1f}", f"{rss_mb:.0f}",
                      f"{ratio:.2f}x" if ratio is not None else "n/a", goal, f"{r.get('load1', 0):.2f}"))
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    print()
    print(title)
    for index, line in enumerate(lines):
        print("  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(line)))
        if index == 0:
            print("  ".join("-" * w for w in widths))
    print(footnote)
    return met_all


def cmd_table(args):
    results = [json.loads(line) for line in open(args.results) if line.strip()]
    run = [r for r in results if r.get("run") == args.run_id]
    pack = [r for r in run if r.get("bench") == "pack"]
    layout = [r for r in run if r.get("bench") == "layout"]
    verify = [r for r in run if r.get("bench") == "verify"]
    stages = [r for r in run if r.get("bench") == "stages"]
    layout_stages = [r for r in run if r.get("bench") == "layout-stages"]
    ok = True
    if pack:
        sources = pack[0]["sources"]
        ok &= print_table(
            f"8-size pack: {sources} sources of 2048x2048 PNG -> {sources * 8} outputs (7 JPEG q85 + 1 PNG), "
            "each source decoded once (per-file tools: once per process)",
            pack, 1.5, 300,
            "goal for adgen: >= 1.5x Pillow's outputs/s and peak RSS < 300 MB (MB = 10^6 bytes; ru_maxrss/VmHWM; "
            "per-file tools: the largest process). load = 1-minute load average when the row started.")
    for v in verify:
        compare = v.get("compare")
        extra = (f"; vs {compare['against']}: median MAD {compare['median_mad']}, max {compare['max_mad']}, "
                 f"{compare['over_10']} of {compare['files']} over 10" if compare else "")
        quality = ", ".join(f"q{k}: {n}" for k, n in sorted(v["jpeg_quality"].items(), key=lambda kv: str(kv[0])))
        print(f"  check {v['folder']}: {v['files']} files, {'ok' if v['ok'] else 'PROBLEMS ' + '; '.join(v['problems'])}"
              f"; JPEG quality {quality}; mean bytes 1080x1080 {v['mean_bytes'].get('1080x1080', 0):,}, "
              f"320x50 png {v['mean_bytes'].get('320x50', 0):,}{extra}")
    for s in stages:
        a, c, e = s["attention_fill_encode_ms"], s["centre_fill_encode_ms"], s["encode_only_ms"]
        print(f"  where adgen's time goes (1 thread, VIPS_CONCURRENCY={s['vips_concurrency']}, {s['sources']} sources,"
              f" ms): decode {s['decode_ms_per_source']:.1f} per source; per source's 8 outputs: attention fill+encode"
              f" {a['all']:.1f}, centre fill+encode {c['all']:.1f}, encode alone {e['all']:.1f}")
        print("    per size (attention / centre / encode alone): " + ", ".join(
            f"{k} {a[k]:.1f}/{c[k]:.1f}/{e[k]:.1f}" for k in a if k != "all"))
    if layout:
        ok &= print_table(
            "Headline + CTA layout + JPEG q85 on 1080x1080 (adgen: Pipeline.run on a CreativeDraft: crop, layout, "
            "encode)", layout, 1.0, None,
            "goal for adgen: >= Pillow's outputs/s.")
    for s in layout_stages:
        steps = ", ".join(f"{name} {ms:.1f}" for name, ms in s["step_ms"].items())
        cache = "text cache" if s.get("text_cache", True) else "every text fitted afresh"
        product = ", with the product" if s.get("product") is True else ""
        first = f"; the first creative's layout: {s['first_layout_ms']:.1f}" if "first_layout_ms" in s else ""
        print(f"  where adgen's layout time goes (1 thread, VIPS_CONCURRENCY={s['vips_concurrency']}, {cache}{product},"
              f" ms per creative): {steps}; the encode step on the undecorated image: {s['encode_undecorated_ms']:.1f}"
              f"{first}")
    if args.strict and not ok:
        sys.exit(1)


# Main ------------------------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("sources")
    p.add_argument("dir")
    p.add_argument("--count", type=int, default=50)
    p.set_defaults(run=cmd_sources)
    for name, run in (("pillow-pack", cmd_pillow_pack), ("pyvips-pack", cmd_pyvips_pack)):
        p = commands.add_parser(name)
        p.add_argument("sources")
        p.add_argument("out")
        p.add_argument("--limit", type=int)
        if name == "pyvips-pack":
            p.add_argument("--adgen-jpeg", action="store_true")
            p.add_argument("--proxy-attention", action="store_true")
        p.set_defaults(run=run)
    p = commands.add_parser("cli-pack")
    p.add_argument("tool", choices=["vipsthumbnail", "magick", "magick-clone"])
    p.add_argument("sources")
    p.add_argument("out")
    p.add_argument("--limit", type=int)
    p.set_defaults(run=cmd_cli_pack)
    p = commands.add_parser("verify")
    p.add_argument("out")
    p.add_argument("--sources", type=int)
    p.add_argument("--compare")
    p.add_argument("--limit", type=int)
    p.set_defaults(run=cmd_verify)
    for name, run in (("pillow-layout", cmd_pillow_layout), ("pyvips-layout", cmd_pyvips_layout)):
        p = commands.add_parser(name)
        p.add_argument("image")
        p.add_argument("n", type=int)
        p.add_argument("--out")
        p.set_defaults(run=run)
    p = commands.add_parser("table")
    p.add_argument("results")
    p.add_argument("run_id")
    p.add_argument("--strict", action="store_true")
    p.set_defaults(run=cmd_table)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
