"""The client's words on Link's pages: its texts per locale (Link settings), Markdown rendered safely, with
`{companyName}` and `{platformName}` filled in.

Markdown by markdown-it-py (already installed through Rich; CommonMark, maintained): raw HTML is off, so
any tag a text holds is shown escaped; images are off (a page loads nothing a text names); links may only
go to https, http or mailto addresses. Placeholders are filled after rendering, with escaped values, so
a company name is always text, never Markdown or HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import Request
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from ledgerlink.settings.link_settings import PLAIN_TEXTS

_SAFE_LINK = re.compile(r"^(https?:|mailto:)", re.IGNORECASE)


class _Markdown(MarkdownIt):
    def validateLink(self, url: str) -> bool:
        return bool(_SAFE_LINK.match(url.strip()))


_MARKDOWN = _Markdown("commonmark", {"html": False}).disable(["image"])


@dataclass(frozen=True)
class Texts:
    """A visit's texts: the client's, in the business's language, for one company (and platform)."""

    given: dict[str, str]
    company_name: str
    platform_name: str = ""

    def for_platform(self, platform_name: str) -> Texts:
        return Texts(self.given, self.company_name, platform_name)

    def has(self, key: str) -> bool:
        return bool(self.given.get(key, "").strip())

    def __call__(self, key: str, default: str = "") -> Markup:
        """The text `key` as HTML (a title as escaped text, the rest as Markdown), or `default` (plain)."""
        value = self.given.get(key, "").strip()
        if not value:
            return self._fill(escape(default)) if default else Markup("")
        if key in PLAIN_TEXTS:
            return self._fill(escape(value))
        return self._fill(Markup(_MARKDOWN.render(value)))

    def _fill(self, html: Markup) -> Markup:
        filled = str(html).replace("{companyName}", str(escape(self.company_name)))
        return Markup(filled.replace("{platformName}", str(escape(self.platform_name or "your software"))))


def accepted_languages(request: Request) -> list[str]:
    """The languages of the browser's `Accept-Language`, most wanted first."""
    weighted = []
    for position, part in enumerate(request.headers.get("accept-language", "").split(",")[:20]):
        tag, _, quality = part.strip().partition(";q=")
        try:
            weight = float(quality) if quality else 1.0
        except ValueError:
            continue
        if tag and tag != "*":
            weighted.append((-weight, position, tag.strip().lower()))
    return [tag for _, _, tag in sorted(weighted)]
