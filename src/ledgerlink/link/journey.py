"""One Link visit, several connections: the source types the settings ask for, in order, and where the
business is among them.

A step is done when the company has a Linked connection of its source type, or when the business skipped
it (optional steps only) in this visit; the current step is the first that is not done. So the journey is
worked out afresh on every page from the company's connections and the visit: re-opening the Link URL
resumes where the business stopped, and a connection linked elsewhere (the API, another visit) counts.
The pages' answers are the places the embedded Link reports from (`link.embed`; a connection:
`onConnection`; the end: `onFinish`; the exit: `onClose`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ledgerlink.connections.models import Connection
from ledgerlink.connections.status import ConnectionStatus
from ledgerlink.connectors import registry
from ledgerlink.link.visit import Visit
from ledgerlink.records.registry import SourceType
from ledgerlink.settings.link_settings import LinkSettings, SourceStep


@dataclass(frozen=True)
class Step:
    """A source type of the journey and how far the business has gone with it."""

    options: SourceStep
    linked: tuple[Connection, ...]
    skipped: bool

    @property
    def key(self) -> str:
        return self.options.key

    @property
    def source_type(self) -> SourceType:
        return self.options.source_type

    @property
    def done(self) -> bool:
        return bool(self.linked) or self.skipped

    @property
    def platform_names(self) -> list[str]:
        names = []
        for connection in self.linked:
            connector = registry.get(connection.integration_key)
            names.append(connector.info.name if connector else connection.integration_key)
        return names


@dataclass(frozen=True)
class Journey:
    steps: tuple[Step, ...]

    @property
    def current(self) -> Step | None:
        return next((step for step in self.steps if not step.done), None)

    @property
    def can_finish(self) -> bool:
        """Whether every step the business may not skip has a linked connection."""
        return all(step.linked or step.options.optional for step in self.steps)

    def step(self, key: str) -> Step | None:
        return next((step for step in self.steps if step.key == key.lower()), None)

    def of(self, source_type: SourceType) -> Step | None:
        return next((step for step in self.steps if step.source_type is source_type), None)

    def allows(self, platform_key: str) -> bool:
        """Whether the business may choose this platform in this journey (its step allows it)."""
        connector = registry.get(platform_key)
        step = self.of(connector.info.source_type) if connector else None
        return step is not None and step.options.allows(platform_key)

    def last_linked(self) -> Connection | None:
        """The connection the end of the journey reports to the client's redirect (the latest linked)."""
        linked = [connection for step in self.steps for connection in step.linked]
        return max(linked, key=lambda c: c.linked_at or c.created_at) if linked else None


def journey(settings: LinkSettings, connections: list[Connection], visit: Visit) -> Journey:
    linked: dict[SourceType, list[Connection]] = {}
    for connection in connections:
        connector = registry.get(connection.integration_key)
        if connector is not None and connection.status == ConnectionStatus.LINKED.value:
            linked.setdefault(connector.info.source_type, []).append(connection)
    return Journey(
        tuple(
            Step(
                options,
                tuple(linked.get(options.source_type, ())),
                options.optional and options.key in visit.skipped,
            )
            for options in settings.steps
        )
    )
