"""Where each component of the suite lives in the repository (or image)."""

from shared.kit.registry import ROOT, SERVICES

__all__ = ["ROOT", "SERVICES", "component_dir", "config_path", "migrations_dir"]


def component_dir(name):
    """The directory holding a component's config.yaml and migrations/."""
    if name == "gateway":
        return ROOT / "gateway"
    if name not in SERVICES:
        raise ValueError(f"unknown component {name!r}; expected one of {(*SERVICES, 'gateway')}"
                         " (services/registry.txt lists the services)")
    return ROOT / "services" / name


def config_path(name):
    return component_dir(name) / "config.yaml"


def migrations_dir(name):
    return component_dir(name) / "migrations"
