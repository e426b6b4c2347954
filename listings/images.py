"""Device pictures drawn as SVG in a variant's colour, so the shop needs no photos.

Each kind (phone, laptop, tablet, watch, console) is a simple outline on a
240 by 240 canvas: the body in the colour, an outline a shade darker (so a white
device still shows on a white page) and a dark screen.
"""

from __future__ import annotations

import re
from functools import lru_cache

HEX_RE = re.compile(r"[0-9a-fA-F]{6}")
SCREEN = "#1d2733"
GLASS = "#34475c"
KINDS = ("phone", "laptop", "tablet", "watch", "console")


def is_hex_colour(value: str) -> bool:
    return bool(HEX_RE.fullmatch(value or ""))


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i : i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]


def _mix(hex_colour: str, other: tuple[int, int, int], amount: float) -> str:
    r, g, b = _rgb(hex_colour)
    mixed = (round(c + (o - c) * amount) for c, o in zip((r, g, b), other, strict=True))
    return "#" + "".join(f"{c:02x}" for c in mixed)


def _shades(hex_colour: str) -> dict[str, str]:
    r, g, b = _rgb(hex_colour)
    luminance = (0.299 * r + 0.587 * g + 0.114 * b) / 255
    outline = (
        _mix(hex_colour, (0, 0, 0), 0.45)
        if luminance > 0.25
        else _mix(hex_colour, (255, 255, 255), 0.35)
    )
    return {
        "body": f"#{hex_colour}",
        "outline": outline,
        "light": _mix(hex_colour, (255, 255, 255), 0.25),
        "dark": _mix(hex_colour, (0, 0, 0), 0.2),
    }


def _phone(c: dict[str, str]) -> str:
    # The back (in the colour, with its cameras) behind the front.
    return f"""
  <rect x="46" y="18" width="92" height="196" rx="18" fill="{c["body"]}"
        stroke="{c["outline"]}" stroke-width="3"/>
  <rect x="56" y="28" width="40" height="40" rx="11" fill="{c["dark"]}"
        stroke="{c["outline"]}" stroke-width="1.5"/>
  <circle cx="68" cy="40" r="7" fill="#1d2733" stroke="{c["outline"]}"/>
  <circle cx="84" cy="56" r="7" fill="#1d2733" stroke="{c["outline"]}"/>
  <circle cx="86" cy="38" r="3" fill="{c["light"]}"/>
  <rect x="90" y="30" width="96" height="196" rx="18" fill="{c["body"]}"
        stroke="{c["outline"]}" stroke-width="3"/>
  <rect x="97" y="37" width="82" height="182" rx="12" fill="{SCREEN}"/>
  <path d="M97 130 L179 72 L179 110 L97 168 Z" fill="{GLASS}" opacity=".35"/>
  <rect x="124" y="43" width="28" height="8" rx="4" fill="#0b1016"/>
  <rect x="186" y="80" width="4" height="30" rx="2" fill="{c["outline"]}"/>"""


def _tablet(c: dict[str, str]) -> str:
    return f"""
  <rect x="44" y="20" width="152" height="200" rx="16" fill="{c["body"]}"
        stroke="{c["outline"]}" stroke-width="3"/>
  <rect x="54" y="30" width="132" height="180" rx="8" fill="{SCREEN}"/>
  <path d="M54 160 L186 70 L186 120 L54 208 Z" fill="{GLASS}" opacity=".35"/>
  <circle cx="120" cy="25" r="2.5" fill="#0b1016"/>"""


def _laptop(c: dict[str, str]) -> str:
    return f"""
  <rect x="40" y="48" width="160" height="112" rx="9" fill="{c["body"]}"
        stroke="{c["outline"]}" stroke-width="3"/>
  <rect x="48" y="56" width="144" height="96" rx="3" fill="{SCREEN}"/>
  <path d="M48 130 L192 70 L192 100 L48 152 Z" fill="{GLASS}" opacity=".35"/>
  <path d="M18 162 H222 L212 180 Q210 184 204 184 H36 Q30 184 28 180 Z"
        fill="{c["light"]}" stroke="{c["outline"]}" stroke-width="3"
        stroke-linejoin="round"/>
  <rect x="104" y="162" width="32" height="6" rx="3" fill="{c["dark"]}"/>"""


def _watch(c: dict[str, str]) -> str:
    return f"""
  <path d="M94 20 H146 L142 72 H98 Z" fill="{c["dark"]}"
        stroke="{c["outline"]}" stroke-width="3" stroke-linejoin="round"/>
  <path d="M98 168 H142 L146 220 H94 Z" fill="{c["dark"]}"
        stroke="{c["outline"]}" stroke-width="3" stroke-linejoin="round"/>
  <rect x="160" y="104" width="9" height="24" rx="3" fill="{c["outline"]}"/>
  <rect x="74" y="62" width="90" height="116" rx="26" fill="{c["body"]}"
        stroke="{c["outline"]}" stroke-width="3"/>
  <rect x="82" y="70" width="74" height="100" rx="19" fill="{SCREEN}"/>
  <path d="M82 140 L156 88 L156 112 L82 164 Z" fill="{GLASS}" opacity=".35"/>"""


def _console(c: dict[str, str]) -> str:
    return f"""
  <path d="M64 78 H176 Q214 78 222 124 L230 170 Q234 196 212 198
           Q196 199 184 180 L168 156 H72 L56 180 Q44 199 28 198
           Q6 196 10 170 L18 124 Q26 78 64 78 Z"
        fill="{c["body"]}" stroke="{c["outline"]}" stroke-width="3"
        stroke-linejoin="round"/>
  <rect x="50" y="104" width="12" height="36" rx="2" fill="{c["outline"]}"/>
  <rect x="38" y="116" width="36" height="12" rx="2" fill="{c["outline"]}"/>
  <circle cx="182" cy="106" r="7" fill="{c["outline"]}"/>
  <circle cx="182" cy="138" r="7" fill="{c["outline"]}"/>
  <circle cx="166" cy="122" r="7" fill="{c["outline"]}"/>
  <circle cx="198" cy="122" r="7" fill="{c["outline"]}"/>
  <circle cx="96" cy="146" r="12" fill="{c["dark"]}" stroke="{c["outline"]}"
          stroke-width="2"/>
  <circle cx="144" cy="146" r="12" fill="{c["dark"]}" stroke="{c["outline"]}"
          stroke-width="2"/>
  <rect x="108" y="98" width="24" height="8" rx="4" fill="{c["outline"]}"/>"""


DRAWINGS = {
    "phone": _phone,
    "laptop": _laptop,
    "tablet": _tablet,
    "watch": _watch,
    "console": _console,
}


@lru_cache(maxsize=512)
def device_svg(kind: str, hex_colour: str) -> str:
    """The SVG picture of a ``kind`` of device in ``hex_colour`` (six hex digits).

    Raises ``ValueError`` for an unknown kind or a malformed colour.
    """
    if kind not in DRAWINGS or not is_hex_colour(hex_colour):
        raise ValueError(f"no picture for {kind!r} in {hex_colour!r}")
    colours = _shades(hex_colour.lower())
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 240" '
        f'width="240" height="240" role="img" aria-label="{kind}">'
        f"<title>{kind}</title>"
        '\n  <ellipse cx="120" cy="226" rx="70" ry="6" fill="#000" opacity=".08"/>'
        f"{DRAWINGS[kind](colours)}\n</svg>\n"
    )
