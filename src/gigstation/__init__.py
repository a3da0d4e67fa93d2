"""gigstation: dispatch and scheduling for public gig-work stations (零工驿站)."""

__version__ = "0.1.0"
__all__ = ["__version__"]
