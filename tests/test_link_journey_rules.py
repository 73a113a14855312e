"""The journey's rules and the Link settings' layers in pure Python: which step is current, what may be
skipped, when the business may finish; profile and company layers merged; the texts' locale; Markdown
made safe."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from ledgerlink.connections.models import Connection
from ledgerlink.link.journey import journey
from ledgerlink.link.texts import Texts
from ledgerlink.link.visit import Visit
from ledgerlink.settings.link_settings import DEFAULT_DOCUMENT, LinkSettings, merged

DEFAULTS = LinkSettings.of(merged(None, None))


def linked(key: str, minutes: int = 0) -> Connection:
    moment = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    return Connection(
        id=uuid.uuid4(), integration_key=key, status="Linked", linked_at=moment, created_at=moment
    )


def test_the_journey_resumes_at_the_first_step_not_linked_nor_skipped() -> None:
    visit = Visit(uuid.uuid4(), journey=True)
    walk = journey(DEFAULTS, [], visit)
    assert [step.key for step in walk.steps] == ["accounting", "banking", "commerce"]
    assert walk.current is not None and walk.current.key == "accounting" and not walk.can_finish

    accounting = linked("mqjo")
    walk = journey(DEFAULTS, [accounting], visit)
    assert walk.current is not None and walk.current.key == "banking" and walk.can_finish
    # A connection of another kind that is not Linked counts for nothing.
    pending = Connection(id=uuid.uuid4(), integration_key="qhnd", status="PendingAuth")
    assert journey(DEFAULTS, [accounting, pending], visit).current.key == "banking"  # type: ignore[union-attr]

    skipped = visit.but(skipped=("banking",))
    walk = journey(DEFAULTS, [accounting], skipped)
    assert walk.current is not None and walk.current.key == "commerce"
    commerce = linked("aiwb", minutes=5)
    walk = journey(DEFAULTS, [accounting, commerce], skipped)
    assert walk.current is None and walk.last_linked() is commerce


def test_only_optional_steps_are_skipped() -> None:
    visit = Visit(uuid.uuid4(), journey=True, skipped=("accounting",))
    walk = journey(DEFAULTS, [], visit)
    assert walk.current is not None and walk.current.key == "accounting" and not walk.current.skipped


def test_allowed_integrations_and_order_follow_the_settings() -> None:
    settings = LinkSettings.of(
        merged({"sourceTypes": {"commerce": {"allowedIntegrations": ["aiwb"]}, "accounting": {}}}, None)
    )
    walk = journey(settings, [], Visit(uuid.uuid4()))
    assert [step.key for step in walk.steps] == ["commerce", "accounting"]
    assert walk.allows("aiwb") and walk.allows("mqjo")
    assert not walk.allows("qhnd")  # banking is not part of this journey
    assert not journey(
        LinkSettings.of(merged({"sourceTypes": {"commerce": {"allowedIntegrations": []}}}, None)),
        [],
        Visit(uuid.uuid4()),
    ).allows("aiwb")


def test_a_companys_fields_replace_the_profiles_and_texts_merge_per_key() -> None:
    profile = {
        "showLandingPage": True,
        "theme": {"primaryColor": "#111111"},
        "text": {"en": {"main.title": "A"}},
    }
    company = {"theme": {"logoUrl": "https://x.example/l.svg"}, "text": {"en": {"exit.title": "B"}}}
    document = merged(profile, company)
    assert document["sourceTypes"] == DEFAULT_DOCUMENT["sourceTypes"]
    assert document["showLandingPage"] is True
    assert document["theme"] == {"primaryColor": "#111111", "logoUrl": "https://x.example/l.svg"}
    assert document["text"] == {"en": {"main.title": "A", "exit.title": "B"}}
    assert merged(profile, {"showLandingPage": False})["showLandingPage"] is False


def test_the_texts_of_the_browsers_language() -> None:
    settings = LinkSettings.of(
        merged({"text": {"en": {"x": "en"}, "fr-ca": {"x": "fr-ca"}, "de": {"x": "de"}}}, None)
    )
    assert settings.texts_for(["fr-ca", "fr"]) == ("fr-ca", {"x": "fr-ca"})
    assert settings.texts_for(["fr-fr"]) == ("fr-ca", {"x": "fr-ca"})  # the same language
    assert settings.texts_for(["de-at"]) == ("de", {"x": "de"})
    assert settings.texts_for(["ja"]) == ("en", {"x": "en"})
    assert DEFAULTS.texts_for(["ja"]) == ("en", {})


def test_markdown_is_made_safe_and_placeholders_are_text() -> None:
    texts = Texts(
        {
            "main.title": "Hi **{companyName}**",
            "main.subtitle": (
                "<b>x</b> [a](javascript:alert(1)) ![i](https://t.example/p.png) [ok](https://ok.example)"
                " {platformName}"
            ),
        },
        "<Acme & Co>",
    )
    assert texts("main.title") == "Hi **&lt;Acme &amp; Co&gt;**"  # a title is plain text
    subtitle = str(texts.for_platform("Xero")("main.subtitle"))
    assert "&lt;b&gt;x&lt;/b&gt;" in subtitle and "javascript" not in subtitle.split("[a]")[0]
    assert '<a href="javascript' not in subtitle and "<img" not in subtitle
    assert '<a href="https://ok.example">ok</a>' in subtitle and subtitle.rstrip().endswith("Xero</p>")
    assert texts("landing.title", "Default for {companyName}") == "Default for &lt;Acme &amp; Co&gt;"
    assert texts("exit.message") == ""
