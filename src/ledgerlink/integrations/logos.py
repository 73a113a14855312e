"""Integration logos, drawn as SVG from each connector's branding so ledgerlink serves its own."""

from __future__ import annotations

from html import escape

from ledgerlink.connectors.base import ConnectorInfo

VARIANTS = ("logo", "square", "button", "button-hover")


def render(info: ConnectorInfo, variant: str) -> str:
    brand = info.branding
    mark, name = escape(brand.mark), escape(info.name)
    if variant == "square":
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64" role="img" '
            f'aria-label="{name}"><rect width="64" height="64" rx="12" fill="{brand.background}"/>'
            f'<text x="32" y="41" font-family="system-ui,sans-serif" font-size="24" font-weight="700" '
            f'text-anchor="middle" fill="{brand.foreground}">{mark}</text></svg>'
        )
    if variant in ("button", "button-hover"):
        fill = brand.background if variant == "button" else brand.foreground
        ink = brand.foreground if variant == "button" else brand.background
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="48" viewBox="0 0 240 48" role="img" '
            f'aria-label="Connect {name}"><rect x="1" y="1" width="238" height="46" rx="8" fill="{fill}" '
            f'stroke="{brand.background}" stroke-width="2"/>'
            '<text x="120" y="30" font-family="system-ui,sans-serif" '
            f'font-size="16" font-weight="600" text-anchor="middle" fill="{ink}">Connect {name}</text></svg>'
        )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="64" viewBox="0 0 200 64" role="img" '
        f'aria-label="{name}"><rect width="64" height="64" rx="12" fill="{brand.background}"/>'
        f'<text x="32" y="41" font-family="system-ui,sans-serif" font-size="24" font-weight="700" '
        f'text-anchor="middle" fill="{brand.foreground}">{mark}</text>'
        f'<text x="76" y="40" font-family="system-ui,sans-serif" font-size="20" font-weight="600" '
        f'fill="#1f2330">{name}</text></svg>'
    )
