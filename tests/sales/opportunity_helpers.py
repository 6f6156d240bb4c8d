"""What the opportunity, pipeline and board tests share: accounts and
contacts to attach opportunities to, opportunity input, pipelines of a
test's own, and "nothing changed" snapshots."""

import uuid

from tests.sales.conftest import account_data, contact_data, unique

CLOSE = "2026-09-30"


def new_account(db, **fields):
    """A live account id.  Written with SQL: the accounts RPC is another
    area's, and these tests only need a row to point at."""
    data = account_data(**fields)
    account_id = str(uuid.uuid4())
    db.one("INSERT INTO accounts (id, name, name_norm, domain, country) VALUES (%s, %s, %s, %s, %s) RETURNING id",
           (account_id, data["name"], data["name"].lower(), data.get("domain"), data.get("country")))
    return account_id


def new_contact(db, account_id=None):
    data = contact_data()
    contact_id = str(uuid.uuid4())
    db.one("INSERT INTO contacts (id, account_id, first_name, last_name, emails, email_norm)"
           " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
           (contact_id, account_id, data["first_name"], data["last_name"], data["emails"], data["emails"][0]))
    return contact_id


def opportunity_data(account_id, **fields):
    data = {"account_id": account_id, "name": f"Deal {unique()}", "amount": "1000.00", "currency": "EUR",
            "expected_close_date": CLOSE}
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def stage(key, category, probability, **fields):
    return {"key": key, "name": key.replace("_", " ").title(), "category": category, "probability": probability,
            **fields}


def pipeline_data(**fields):
    """A pipeline of the test's own: lead -> demo -> won / lost."""
    data = {"id": f"p-{uuid.uuid4().hex[:10]}", "name": f"Pipeline {unique()}", "stages": [
        stage("lead", "open", 10),
        stage("demo", "open", 50, forecast_category="best_case"),
        stage("won", "won", 100),
        stage("lost", "lost", 0),
    ]}
    data.update(fields)
    return data


def opportunity_state(sales, db, opportunity_id):
    """Everything a refused change must leave as it was."""
    return (sales.get_opportunity(opportunity_id), len(db.outbox_rows([opportunity_id])),
            db.scalar("SELECT count(*) FROM opportunity_stage_history WHERE opportunity_id = %s", (opportunity_id,)))


def default_pipeline_id(db):
    return db.scalar("SELECT id FROM pipelines WHERE is_default")


def restore_default(sales, pipeline_id):
    """Give the default flag back to ``pipeline_id`` (tests that move it)."""
    pipeline = sales.get_pipeline(pipeline_id)
    if not pipeline["is_default"]:
        sales.update_pipeline(pipeline_id, {"name": pipeline["name"], "is_default": True, "stages": pipeline["stages"]})
