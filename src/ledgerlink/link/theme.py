"""The client's primary colour on Link's pages: a stylesheet per colour, since the pages' policy allows
no inline style (`/link/theme/{rrggbb}.css`).

The colour fills buttons (white text) and links on white, so it is darkened until both read at WCAG AA
(4.5:1) against white; the header's band shows the colour as given.
"""

from __future__ import annotations

import re

HEX = re.compile(r"^[0-9a-f]{6}$")
AA = 4.5


def _luminance(rgb: tuple[float, ...]) -> float:
    def channel(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_with_white(rgb: tuple[float, ...]) -> float:
    return 1.05 / (_luminance(rgb) + 0.05)


def readable(colour: str) -> str:
    """`colour` (rrggbb), darkened until white text on it (and it on white) passes AA."""
    rgb = tuple(float(int(colour[i : i + 2], 16)) for i in (0, 2, 4))
    while contrast_with_white(rgb) < AA:
        rgb = tuple(c * 0.92 for c in rgb)
    return "".join(f"{round(c):02x}" for c in rgb)


def stylesheet(colour: str) -> str:
    accent = readable(colour)
    return (
        f":root {{ --accent: #{accent}; --accent-ink: #ffffff; --focus: 0 0 0 3px #{colour}; }}\n"
        f".brand {{ border-top: 6px solid #{colour}; }}\n"
        f".notice {{ border-left-color: #{accent}; }}\n"
    )


def path(colour: str | None) -> str | None:
    """The stylesheet of a `#RRGGBB` colour, or None for Link's own."""
    return f"/link/theme/{colour[1:].lower()}.css" if colour else None
