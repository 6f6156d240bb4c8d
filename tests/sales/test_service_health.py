"""The sales service starts on its migrated schema and answers its health RPC."""

from services.sales.service import SalesService
from tests.sales.conftest import wait_for


def test_health_answers_with_the_database_and_the_outbox_backlog(sales):
    # Earlier modules may leave rows for this module's relay: it drains them.
    wait_for(lambda: sales.health()["outbox"]["pending"] == 0, message="the outbox was not drained")
    assert sales.health() == {"service": "sales", "status": "ok", "database": True,
                              "outbox": {"pending": 0, "oldest_seconds": None}}


def test_the_default_pipeline_is_seeded(db, sales_migrated):
    stages = db.all("SELECT key, category FROM pipeline_stages WHERE pipeline_id = 'default' ORDER BY position")
    assert [row["category"] for row in stages].count("open") == 5
    assert {row["key"] for row in stages if row["category"] != "open"} == {"closed_won", "closed_lost"}


def test_no_two_areas_define_the_same_entrypoint():
    """The areas' mixins are put together in one class: a name defined twice
    would silently hide one of them."""
    seen = {}
    for mixin in SalesService.__mro__[1:-1]:  # every base class but object
        for name, value in vars(mixin).items():
            if callable(value) and not name.startswith("_"):
                assert name not in seen, f"{name} is defined by {seen.get(name)} and {mixin.__name__}"
                seen[name] = mixin.__name__
    assert {"create_account", "update_opportunity", "forecast", "convert_lead", "health"} <= seen.keys()
