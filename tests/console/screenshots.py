"""``make screenshots``: PNGs of the console's main screens, as a desktop
(1280 px) and as a phone (390 px), in .crm/screenshots/.

    python -m tests.console.screenshots [--out .crm/screenshots] [--only leads,lead]

Starts the whole suite as the browser tests do (tests/api/stack.py: its own
scratch database on DATABASE_URL's server, its own RabbitMQ vhost), makes
the same seed data through the API, signs in as an admin through the sign-in
form, and photographs every screen of harness.main_screens (and the sign-in
page) in Debian's Chromium.  Nothing of a running ``make up`` is touched.
"""

import warnings

from shared.kit.monkey import patch_all

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # eventlet's notice that it is deprecated
    patch_all()  # the stack's helpers run as they do under pytest (tests/conftest.py)

import argparse
import os
import sys
import tempfile
from pathlib import Path

from shared.kit.paths import ROOT
from tests.api.stack import live_stack, own_vhost
from tests.conftest import RabbitAdmin
from tests.console import harness
from tests.console.campaign_screens import CAMPAIGN_SCREEN_NAMES, campaign_screens


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / ".crm" / "screenshots")
    parser.add_argument("--only", default="", help="comma-separated screen names: "
                                                    + ", ".join(["sign-in", *harness.SCREEN_NAMES,
                                                                 *CAMPAIGN_SCREEN_NAMES]))
    args = parser.parse_args()
    args.only = {name.strip() for name in args.only.split(",") if name.strip()}
    unknown = args.only - {"sign-in", *harness.SCREEN_NAMES, *CAMPAIGN_SCREEN_NAMES}
    if unknown:
        parser.error(f"unknown screen(s) {', '.join(sorted(unknown))}")
    return args


def _shown(path):
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def shoot(browser, base_url, screens, out, wanted):
    written = []
    for size, viewport in (("desktop", harness.DESKTOP), ("phone", harness.PHONE)):
        context = harness.new_context(browser, viewport)
        page = context.new_page()
        if not wanted or "sign-in" in wanted:
            page.goto(f"{base_url}/console/sign-in")
            page.get_by_role("heading", level=1).wait_for()
            written.append(out / f"sign-in-{size}.png")
            page.screenshot(path=written[-1], full_page=True)
            print(f"    {_shown(written[-1])}", flush=True)
        harness.sign_in(page, base_url, harness.PEOPLE["admin"][0])
        for screen in screens:
            if wanted and screen.name not in wanted:
                continue
            harness.visit(page, base_url, screen.path)
            page.wait_for_load_state("networkidle")  # the parts that load by themselves (history, charts)
            written.append(out / f"{screen.name}-{size}.png")
            page.screenshot(path=written[-1], full_page=True)
            print(f"    {_shown(written[-1])}", flush=True)
        context.close()
    return written


def main():
    args = parse_args()
    if not harness.console_built():
        sys.exit("console/dist is not built: run `bash scripts/console.sh` first (make screenshots does)")
    database_url = os.environ["CRM_SCREENSHOTS_DATABASE_URL"]
    amqp_base = os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="crm-screenshots-") as logs, \
            own_vhost(RabbitAdmin(os.environ["CRM_SCREENSHOTS_RABBIT_API"]), amqp_base) as amqp_uri, \
            live_stack(database_url, amqp_uri, Path(logs), LOGIN_RATE_LIMIT="100000", RPC_TIMEOUT="20") as stack:
        print(f"==> the suite runs at {stack.base_url}; seeding", flush=True)
        harness.create_people(stack.database_url)
        api = harness.Api(stack.base_url, stack.admin_token)
        made = harness.seed(api, owner=harness.PEOPLE["sales"][0])
        screens = harness.main_screens(made) + campaign_screens(api)
        print(f"==> photographing in {harness.CHROMIUM}", flush=True)
        playwright = harness.start_playwright()
        try:
            browser = harness.launch(playwright)
            written = shoot(browser, stack.base_url, screens, args.out, args.only)
            browser.close()
        finally:
            playwright.stop()
    print(f"==> {len(written)} screenshots in {args.out}")


if __name__ == "__main__":
    main()
