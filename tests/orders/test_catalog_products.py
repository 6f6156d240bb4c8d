"""Products over RPC: create, read, list, update; SKU uniqueness, events,
bad input that writes nothing, keyed creates."""

import uuid

import pytest

from shared.schemas.errors import DuplicateFound, NotFound, PreconditionFailed, ValidationFailed
from tests.orders.conftest import unique


def product_data(**fields):
    return {"sku": f"SKU-{unique()}", "name": f"Widget {unique()}", **fields}


def count_products(db, sku):
    return db.scalar("SELECT count(*) FROM products WHERE lower(sku) = lower(%s)", (sku,))


def test_create_returns_the_product_with_defaults(orders, db):
    data = product_data(sku="  ab-" + unique() + "  ", description="A fine widget", family="Hardware")

    product = orders.create_product(data, "admin1")

    assert uuid.UUID(product["id"])
    assert product["sku"] == data["sku"].strip()
    assert product["unit"] == "each" and product["active"] is True and product["tax_category"] == "standard"
    assert product["family"] == "Hardware" and product["version"] == 1 and product["created_by"] == "admin1"
    assert orders.get_product(product["id"]) == product


def test_create_publishes_product_created(orders, db, events):
    product = orders.create_product(product_data(), "admin1")

    events.settle(db, [product["id"]])

    received = events.of("product.created", product["id"])
    assert len(received) == 1
    assert received[0].data == {"product": product}
    assert received[0].envelope["producer"] == "orders"


def test_the_sku_is_unique_ignoring_case(orders, db):
    first = orders.create_product(product_data(), "admin1")

    with pytest.raises(DuplicateFound) as raised:
        orders.create_product(product_data(sku=" " + first["sku"].lower() + " "), "admin1")

    assert raised.value.status == 409
    assert raised.value.extra == {"existing_id": first["id"]}
    assert list(raised.value.errors) == ["sku"]
    assert count_products(db, first["sku"]) == 1


@pytest.mark.parametrize("data, field", [
    ({"name": "No SKU"}, "sku"),
    ({"sku": "X-1"}, "name"),
    ({"sku": "   ", "name": "Blank"}, "sku"),
    ({"sku": "X" * 65, "name": "Long"}, "sku"),
    ({"sku": "X-2", "name": "Bad", "active": "maybe"}, "active"),
    ({"sku": "X-3", "name": "Bad", "colour": "red"}, "colour"),
    ({"sku": "X-4", "name": "Bad", "tax_category": "Not A Code"}, "tax_category"),
    ({"sku": "X-5", "name": "Bad", "tax_category": "luxury"}, "tax_category"),
])
def test_bad_input_is_a_422_and_writes_nothing(orders, db, data, field):
    outbox_before = db.scalar("SELECT count(*) FROM outbox")
    with pytest.raises(ValidationFailed) as raised:
        orders.create_product(data, "admin1")
    assert field in raised.value.errors
    if data.get("sku") and data["sku"].strip():
        assert count_products(db, data["sku"].strip()) == 0
    assert db.scalar("SELECT count(*) FROM outbox") == outbox_before


def test_not_a_json_object_is_a_422(orders):
    with pytest.raises(ValidationFailed):
        orders.create_product(["sku"], "admin1")


def test_unknown_ids_are_404(orders):
    with pytest.raises(NotFound):
        orders.get_product(str(uuid.uuid4()))
    with pytest.raises(NotFound):
        orders.get_product("not-a-uuid")
    with pytest.raises(NotFound):
        orders.update_product(str(uuid.uuid4()), {"name": "x"}, "admin1")


def test_update_changes_fields_and_publishes_the_changed_names(orders, db, events):
    product = orders.create_product(product_data(), "admin1")

    updated = orders.update_product(product["id"], {"name": "Renamed", "active": False, "family": None,
                                                    "tax_category": "reduced"}, "admin1", product["version"])

    assert updated["name"] == "Renamed" and updated["active"] is False and updated["tax_category"] == "reduced"
    assert updated["version"] == 2
    events.settle(db, [product["id"]])
    received = events.of("product.updated", product["id"])
    assert len(received) == 1
    assert received[0].data["changed"] == ["active", "name", "tax_category"]
    assert received[0].data["product"] == updated


def test_an_update_that_changes_nothing_writes_nothing(orders, db, events):
    product = orders.create_product(product_data(), "admin1")
    same = orders.update_product(product["id"], {"name": product["name"]}, "admin1")
    assert same == product
    events.settle(db, [product["id"]])
    assert events.of("product.updated", product["id"]) == []


def test_update_checks_the_version_and_the_sku(orders, db):
    product = orders.create_product(product_data(), "admin1")
    other = orders.create_product(product_data(), "admin1")

    with pytest.raises(PreconditionFailed):
        orders.update_product(product["id"], {"name": "Stale"}, "admin1", 7)
    with pytest.raises(DuplicateFound):
        orders.update_product(product["id"], {"sku": other["sku"].upper()}, "admin1")
    with pytest.raises(ValidationFailed) as raised:
        orders.update_product(product["id"], {"name": None}, "admin1")
    assert "name" in raised.value.errors
    with pytest.raises(ValidationFailed):
        orders.update_product(product["id"], {"name": "x"}, "admin1", "one")
    assert orders.get_product(product["id"]) == product


def test_list_filters_sorts_and_pages(orders):
    tag = unique()
    made = [orders.create_product(product_data(sku=f"{tag}-{index}", name=f"{tag} gadget {index}",
                                               family=f"fam-{tag}", active=index != 2), "admin1")
            for index in range(5)]

    page = orders.list_products({"q": tag, "limit": 2})
    assert [item["sku"] for item in page["items"]] == [f"{tag}-0", f"{tag}-1"]
    rest = orders.list_products({"q": tag, "limit": 10, "cursor": page["next_cursor"]})
    assert [item["sku"] for item in rest["items"]] == [f"{tag}-2", f"{tag}-3", f"{tag}-4"]
    assert rest["next_cursor"] is None

    active = orders.list_products({"family": f"FAM-{tag}", "active": True, "sort": "-name"})
    assert [item["id"] for item in active["items"]] == [made[4]["id"], made[3]["id"], made[1]["id"], made[0]["id"]]
    with pytest.raises(ValidationFailed):
        orders.list_products({"sort": "price"})
    with pytest.raises(ValidationFailed):
        orders.list_products({"q": tag, "cursor": page["next_cursor"], "sort": "name"})


def test_a_keyed_create_called_twice_makes_one_product(rpc_proxy, service, db, events):
    data = product_data()
    key = f"test-{uuid.uuid4()}"
    with rpc_proxy(context_data={"idempotency_key": key}) as cluster:
        first = cluster.orders.create_product(data, "admin1")
        second = cluster.orders.create_product(data, "admin1")

    assert first == second
    assert count_products(db, data["sku"]) == 1
    events.settle(db, [first["id"]])
    assert len(events.of("product.created", first["id"])) == 1
