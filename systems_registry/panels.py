"""Panels that the apps above the registry add to its system page, which imports none of them (dependency inversion).

An app registers `provider(request, system) -> dict | None` for a slot of the page, with the template that draws it,
in its `AppConfig.ready()`. The detail view asks each slot's providers in registration order; the page includes each
returned panel's template with the returned context (`{% panel p %}`). A provider answers None to draw nothing.

Slots: `actions` (buttons under the title), `national_list` (inside the List card, asked only when the card is
shown), `sections` (cards at the foot of the page).
"""

from collections.abc import Callable
from dataclasses import dataclass

SLOTS = ("actions", "national_list", "sections")

Provider = Callable[..., dict | None]


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict


_PROVIDERS: dict[str, list[tuple[str, Provider]]] = {slot: [] for slot in SLOTS}


def register(slot: str, template: str, provider: Provider) -> None:
    if slot not in _PROVIDERS:
        raise ValueError(f"unknown panel slot {slot!r}; known: {', '.join(SLOTS)}")
    if (template, provider) not in _PROVIDERS[slot]:
        _PROVIDERS[slot].append((template, provider))


def panels(slot: str, request, system) -> list[Panel]:
    found = []
    for template, provider in _PROVIDERS[slot]:
        context = provider(request, system)
        if context is not None:
            found.append(Panel(template, context))
    return found
