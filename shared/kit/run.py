"""Run one service in the foreground: ``python -m shared.kit.run leads``.

Patches eventlet before anything else is imported, loads the component's
config (``services/<name>/config.yaml`` with environment overrides), sets up
logging, and hands over to nameko's runner (SIGTERM stops gracefully).
"""

import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import importlib  # noqa: E402
import logging.config  # noqa: E402
import sys  # noqa: E402

from nameko.cli.run import run  # noqa: E402

from shared.kit.config import load_component_config  # noqa: E402
from shared.kit.db import cooperative_waits  # noqa: E402
from shared.kit.entrypoints import ExpectedErrorFilter  # noqa: E402


def service_class(name):
    module = importlib.import_module(f"services.{name}.service")
    for value in vars(module).values():
        if isinstance(value, type) and getattr(value, "name", None) == name:
            return value
    raise SystemExit(f"services/{name}/service.py defines no service class named {name!r}")


def configure_logging(config):
    logging.basicConfig(
        level=str(config.get("LOG_LEVEL", "INFO")).upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stdout,
    )
    logging.getLogger("nameko.containers").addFilter(ExpectedErrorFilter())
    logging.getLogger("kombu").setLevel(logging.WARNING)
    logging.getLogger("amqp").setLevel(logging.WARNING)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run a CRM service.")
    parser.add_argument("service")
    args = parser.parse_args(argv)
    cooperative_waits()
    config = load_component_config(args.service)
    configure_logging(config)
    cls = service_class(args.service)
    logging.getLogger(__name__).info("starting %s", args.service)
    run([cls], config)


if __name__ == "__main__":
    main()
