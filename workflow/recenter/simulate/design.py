"""Design of the simulated study (placeholder until the simulator lands)."""


def planned_files(scale: int) -> list[str]:
    """Raw files (relative to data/raw/simulated/) the simulator writes."""
    return []
