"""Where each component of the suite lives in the repository (or image)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("leads", "sales", "orders", "support", "campaigns")


def component_dir(name):
    """The directory holding a component's config.yaml and migrations/."""
    if name == "gateway":
        return ROOT / "gateway"
    if name not in SERVICES:
        raise ValueError(f"unknown component {name!r}; expected one of {SERVICES + ('gateway',)}")
    return ROOT / "services" / name


def config_path(name):
    return component_dir(name) / "config.yaml"


def migrations_dir(name):
    return component_dir(name) / "migrations"
