"""The suite's domain errors (``shared.schemas.errors.CrmError`` and its
subclasses) cross RPC as themselves: registered with the runtime's error
registry, a caller gets the same class back (with its status, detail and
per-field errors) instead of a generic remote error."""

from nameko.exceptions import get_module_path, registry

from shared.schemas.errors import CrmError


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def register_domain_errors():
    """Register CrmError and every subclass defined so far (idempotent)."""
    for cls in (CrmError, *_subclasses(CrmError)):
        registry.setdefault(get_module_path(cls), cls)


register_domain_errors()
