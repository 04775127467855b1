"""Demo catalogues: the shipped files, then the shipped requirement mappings between them."""

from .services import load_shipped, load_shipped_mappings


def seed() -> str:
    results = load_shipped()
    mappings = load_shipped_mappings()
    return (
        f"{sum(c for *_, c in results)} checklist versions published from {len(results)} files, "
        f"{sum(c for *_, c in mappings)} requirement mappings from {len(mappings)} files"
    )
