#!/usr/bin/env python3
"""Generate Taquilla's PWA icons into public/icons/ (and public/favicon.*).

The committed PNG/ICO/SVG files are the output of this script; re-run it only to
change the artwork:

    pip install pillow && python3 tools/gen_icons.py

The glyph is a ticket stub (rounded ticket with two notches and a perforation)
carrying a bold "T", white on Taquilla purple (#5b21b6). It is drawn from the
same geometry as SVG (for icon.svg / favicon.svg) and with Pillow (PNG, ICO),
supersampled 4x and downscaled for smooth edges.

- "any" icons: rounded purple square, glyph at full size.
- maskable icons and the apple-touch-icon: full-bleed purple square, glyph
  scaled so that everything stays inside the central 80% safe zone (a circle
  whose radius is 40% of the icon size).
"""
from __future__ import annotations

import math
import os
import sys

from PIL import Image, ImageDraw

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "public", "icons")
PUBLIC = os.path.join(ROOT, "public")

PURPLE = "#5b21b6"
WHITE = "#ffffff"
AMBER = "#fbbf24"
BASE = 512  # design grid

# Glyph geometry on a 512 grid (centre 256,256).
TICKET = (76, 146, 436, 366)  # x0, y0, x1, y1
TICKET_R = 30
PERF_X = 330  # perforation between body and stub
NOTCH_R = 26
T_BAR = (118, 192, 290, 232)
T_STEM = (184, 192, 224, 322)
DASH = (18, 12)  # dash length, gap
BARS = [(356, 14), (378, 8), (394, 14), (416, 6)]  # barcode on the stub: x, width
BARS_Y = (200, 312)


def ticket_half_diagonal() -> float:
    x0, y0, x1, y1 = TICKET
    return math.hypot((x1 - x0) / 2, (y1 - y0) / 2)


def svg(rounded: bool, scale: float) -> str:
    """SVG text of the icon on a 512 viewBox."""
    x0, y0, x1, y1 = TICKET
    bg = (
        f'<rect width="512" height="512" rx="112" fill="{PURPLE}"/>'
        if rounded
        else f'<rect width="512" height="512" fill="{PURPLE}"/>'
    )
    dashes = []
    y = y0 + NOTCH_R + 10
    while y + DASH[0] <= y1 - NOTCH_R - 10:
        dashes.append(f"M{PERF_X} {y}v{DASH[0]}")
        y += DASH[0] + DASH[1]
    bars = "".join(
        f'<rect x="{bx}" y="{BARS_Y[0]}" width="{bw}" height="{BARS_Y[1] - BARS_Y[0]}" rx="2"/>'
        for bx, bw in BARS
    )
    tx = 256 * (1 - scale)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512" '
        'role="img" aria-label="Taquilla">'
        f"{bg}"
        f'<g transform="translate({tx:g} {tx:g}) scale({scale:g})">'
        f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" rx="{TICKET_R}" fill="{WHITE}"/>'
        f'<circle cx="{PERF_X}" cy="{y0}" r="{NOTCH_R}" fill="{PURPLE}"/>'
        f'<circle cx="{PERF_X}" cy="{y1}" r="{NOTCH_R}" fill="{PURPLE}"/>'
        f'<path d="{"".join(dashes)}" stroke="{PURPLE}" stroke-width="6" '
        'stroke-linecap="round" opacity=".55"/>'
        f'<g fill="{PURPLE}">'
        f'<rect x="{T_BAR[0]}" y="{T_BAR[1]}" width="{T_BAR[2] - T_BAR[0]}" height="{T_BAR[3] - T_BAR[1]}" rx="6"/>'
        f'<rect x="{T_STEM[0]}" y="{T_STEM[1]}" width="{T_STEM[2] - T_STEM[0]}" height="{T_STEM[3] - T_STEM[1]}" rx="6"/>'
        "</g>"
        f'<g fill="{AMBER}">{bars}</g>'
        "</g></svg>\n"
    )


def render(size: int, rounded: bool, scale: float, detail: bool = True) -> Image.Image:
    """Raster version of svg(rounded, scale) at size x size."""
    ss = 4
    n = size * ss
    k = n / BASE

    def tr(x: float) -> float:  # design grid -> pixels, glyph scaled about the centre
        return (256 + (x - 256) * scale) * k

    img = Image.new("RGBA", (n, n), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    if rounded:
        d.rounded_rectangle((0, 0, n - 1, n - 1), radius=112 * k, fill=PURPLE)
    else:
        d.rectangle((0, 0, n - 1, n - 1), fill=PURPLE)

    x0, y0, x1, y1 = TICKET
    d.rounded_rectangle((tr(x0), tr(y0), tr(x1), tr(y1)), radius=TICKET_R * k * scale, fill=WHITE)
    r = NOTCH_R * k * scale
    for cy in (y0, y1):
        cx, cyp = tr(PERF_X), tr(cy)
        d.ellipse((cx - r, cyp - r, cx + r, cyp + r), fill=PURPLE)

    if detail:
        # perforation: purple at 55% over white
        perf = (0x5B, 0x21, 0xB6)
        mix = tuple(round(255 + (c - 255) * 0.55) for c in perf)
        w = 6 * k * scale
        y = y0 + NOTCH_R + 10
        while y + DASH[0] <= y1 - NOTCH_R - 10:
            d.rounded_rectangle(
                (tr(PERF_X) - w / 2, tr(y) - w / 2, tr(PERF_X) + w / 2, tr(y + DASH[0]) + w / 2),
                radius=w / 2,
                fill=mix,
            )
            y += DASH[0] + DASH[1]
        for bx, bw in BARS:
            d.rounded_rectangle((tr(bx), tr(BARS_Y[0]), tr(bx + bw), tr(BARS_Y[1])), radius=2 * k * scale, fill=AMBER)

    for box in (T_BAR, T_STEM):
        d.rounded_rectangle(tuple(tr(v) for v in box), radius=6 * k * scale, fill=PURPLE)

    return img.resize((size, size), Image.LANCZOS)


def save_png(img: Image.Image, path: str, opaque: bool = False) -> None:
    if opaque:
        img = img.convert("RGB")
    # A palette keeps the files small; 255 colours are plenty for flat artwork.
    q = img.quantize(colors=255, method=Image.FASTOCTREE if img.mode == "RGBA" else Image.MEDIANCUT)
    q.save(path, optimize=True)
    print(f"{os.path.relpath(path, ROOT)}: {os.path.getsize(path)} bytes")


def main() -> int:
    os.makedirs(OUT, exist_ok=True)
    # Maskable: keep the glyph's farthest corner inside 40% of the size (radius
    # of the 80% safe zone), with a little margin.
    mask_scale = round(0.38 * BASE / ticket_half_diagonal(), 3)
    assert ticket_half_diagonal() * mask_scale <= 0.40 * BASE

    with open(os.path.join(OUT, "icon.svg"), "w") as f:
        f.write(svg(rounded=True, scale=1.0))
    with open(os.path.join(OUT, "maskable.svg"), "w") as f:
        f.write(svg(rounded=False, scale=mask_scale))
    with open(os.path.join(PUBLIC, "favicon.svg"), "w") as f:
        f.write(svg(rounded=True, scale=1.08))

    save_png(render(192, True, 1.0), os.path.join(OUT, "icon-192.png"))
    save_png(render(512, True, 1.0), os.path.join(OUT, "icon-512.png"))
    save_png(render(192, False, mask_scale), os.path.join(OUT, "maskable-192.png"), opaque=True)
    save_png(render(512, False, mask_scale), os.path.join(OUT, "maskable-512.png"), opaque=True)
    # iOS rounds the corners itself and shows transparency as black: full bleed, opaque.
    save_png(render(180, False, 0.9), os.path.join(OUT, "apple-touch-icon.png"), opaque=True)

    # favicon.ico: 16/32/48, glyph enlarged and without the fine details.
    ico = render(256, True, 1.12, detail=False)
    path = os.path.join(PUBLIC, "favicon.ico")
    ico.save(path, sizes=[(16, 16), (32, 32), (48, 48)])
    print(f"{os.path.relpath(path, ROOT)}: {os.path.getsize(path)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
