"""The customer value part of ``make bench`` on a tiny fill: it fills its
scratch database, runs orders on a vhost of its own, measures, prints its
table, and leaves no database behind."""

from urllib.parse import urlsplit

import psycopg
from rich.console import Console

from bench import customer_value
from tests.conftest import RABBIT_API


def test_the_part_measures_a_small_fill_and_cleans_up(test_env):
    database_url = test_env["DATABASE_URL"]
    parts = urlsplit(test_env["AMQP_URI"])
    amqp_base = f"{parts.scheme}://{parts.netloc}/"

    figures = customer_value.run(database_url, amqp_base, RABBIT_API, orders=400, accounts=60, requests_count=5,
                                 progress=lambda _text: None)

    assert figures["seed"]["orders"] == 400 and figures["seed"]["invoices"] > 0
    for measure in ("random", "health", "heavy"):
        assert figures["rpc"][measure]["requests"] >= 5
    assert figures["rpc"]["heavy_example"]["order_count"] > 0
    assert figures["in_process"]["random"]["median_ms"] > 0
    out = Console(record=True, width=200)
    out.print(customer_value.table(figures, {"cores": 2, "cpu": "test"}))
    assert "RPC orders.customer_value, a random account" in out.export_text()
    admin = urlsplit(database_url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin) as conn:
        left = conn.execute("SELECT count(*) FROM pg_database WHERE datname LIKE %s",
                            (urlsplit(database_url).path.lstrip("/") + "_value_%",)).fetchone()[0]
    assert left == 0
