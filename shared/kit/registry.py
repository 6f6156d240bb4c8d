"""The one list of the suite's services: ``services/registry.txt``.

One service name per line (``#`` starts a comment), in start order.  The
scripts read the same file (``scripts/components.sh``); the gateway's
readiness, the kit's paths, the tests and the Kubernetes checks read it here.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = ROOT / "services" / "registry.txt"
NAME = re.compile(r"^[a-z][a-z0-9_]{1,30}$")


class RegistryError(ValueError):
    pass


def read_registry(path=REGISTRY):
    """The service names in ``path``, in order; a malformed or repeated name is an error."""
    names = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        name = line.split("#", 1)[0].strip()
        if not name:
            continue
        if not NAME.match(name):
            raise RegistryError(f"{path.name}:{number}: {name!r} is not a service name (lower-case letters, "
                                "digits and '_', starting with a letter)")
        if name in names or name == "gateway":
            raise RegistryError(f"{path.name}:{number}: {name!r} is listed twice or is reserved")
        names.append(name)
    return tuple(names)


SERVICES = read_registry()
