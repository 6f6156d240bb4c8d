"""Catalog RPC entrypoints: thin shells over services.orders.catalog."""

from services.orders.catalog import commands, store
from shared.kit import versions
from shared.kit.entrypoints import rpc
from shared.kit.validation import load, load_uuid
from shared.schemas.orders.catalog import (
    PriceBookCreateSchema,
    PriceBookQuerySchema,
    PriceBookUpdateSchema,
    PriceQuerySchema,
    PriceSetSchema,
    PricingPreviewSchema,
    ProductCreateSchema,
    ProductQuerySchema,
    ProductUpdateSchema,
    TaxCategoryCreateSchema,
    TaxRateCreateSchema,
    TaxRateQuerySchema,
    TaxRateUpdateSchema,
)


class CatalogRpc:
    """Mixin of OrdersService (which provides ``self.db``, ``self.config``)."""

    # Products

    @rpc
    def create_product(self, data, actor=None):
        data = load(ProductCreateSchema(), data)
        with self.db.transaction() as conn:
            return commands.product_snapshot(commands.create_product(conn, data, actor))

    @rpc
    def get_product(self, product_id):
        product_id = load_uuid(product_id, "product id")
        with self.db.read() as conn:
            return commands.product_snapshot(store.get_product(conn, product_id))

    @rpc
    def list_products(self, query=None):
        query = load(ProductQuerySchema(), query or {})
        with self.db.read() as conn:
            rows, next_cursor = store.list_products(conn, query)
        return {"items": [commands.product_snapshot(row) for row in rows], "next_cursor": next_cursor}

    @rpc
    def update_product(self, product_id, changes, actor=None, expected_version=None):
        product_id = load_uuid(product_id, "product id")
        changes = load(ProductUpdateSchema(), changes)
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            return commands.product_snapshot(
                commands.update_product(conn, product_id, changes, actor, expected_version))

    # Tax

    @rpc
    def list_tax_categories(self):
        with self.db.read() as conn:
            return {"items": [commands.tax_category_snapshot(row) for row in store.tax_categories(conn)]}

    @rpc
    def create_tax_category(self, data, actor=None):
        data = load(TaxCategoryCreateSchema(), data)
        with self.db.transaction() as conn:
            return commands.tax_category_snapshot(commands.create_tax_category(conn, data))

    @rpc
    def list_tax_rates(self, query=None):
        query = load(TaxRateQuerySchema(), query or {})
        with self.db.read() as conn:
            rows, next_cursor = store.list_tax_rates(conn, query)
        return {"items": [commands.tax_rate_snapshot(row) for row in rows], "next_cursor": next_cursor}

    @rpc
    def create_tax_rate(self, data, actor=None):
        data = load(TaxRateCreateSchema(), data)
        with self.db.transaction() as conn:
            return commands.tax_rate_snapshot(commands.create_tax_rate(conn, data, actor))

    @rpc
    def update_tax_rate(self, rate_id, changes, actor=None):
        rate_id = load_uuid(rate_id, "tax rate id")
        changes = load(TaxRateUpdateSchema(), changes)
        with self.db.transaction() as conn:
            return commands.tax_rate_snapshot(commands.update_tax_rate(conn, rate_id, changes))

    # Price books

    @rpc
    def create_price_book(self, data, actor=None):
        data = load(PriceBookCreateSchema(), data)
        with self.db.transaction() as conn:
            return commands.price_book_snapshot(commands.create_price_book(conn, data, actor))

    @rpc
    def get_price_book(self, price_book_id):
        price_book_id = load_uuid(price_book_id, "price book id")
        with self.db.read() as conn:
            return commands.price_book_snapshot(store.get_price_book(conn, price_book_id))

    @rpc
    def list_price_books(self, query=None):
        query = load(PriceBookQuerySchema(), query or {})
        with self.db.read() as conn:
            rows, next_cursor = store.list_price_books(conn, query)
        return {"items": [commands.price_book_snapshot(row) for row in rows], "next_cursor": next_cursor}

    @rpc
    def update_price_book(self, price_book_id, changes, actor=None, expected_version=None):
        price_book_id = load_uuid(price_book_id, "price book id")
        changes = load(PriceBookUpdateSchema(), changes)
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            return commands.price_book_snapshot(
                commands.update_price_book(conn, price_book_id, changes, expected_version))

    # Prices

    @rpc
    def set_price(self, price_book_id, data, actor=None):
        price_book_id = load_uuid(price_book_id, "price book id")
        data = load(PriceSetSchema(), data)
        with self.db.transaction() as conn:
            price, closed = commands.set_price(conn, price_book_id, data, actor)
        return {"price": commands.price_snapshot(price),
                "closed": commands.price_snapshot(closed) if closed else None}

    @rpc
    def list_prices(self, price_book_id, query=None):
        price_book_id = load_uuid(price_book_id, "price book id")
        query = load(PriceQuerySchema(), query or {})
        with self.db.read() as conn:
            store.get_price_book(conn, price_book_id)
            rows, next_cursor = store.list_prices(conn, price_book_id, query)
        return {"items": [commands.price_snapshot(row) for row in rows], "next_cursor": next_cursor}

    @rpc
    def price_quote_lines(self, data):
        """Lines priced as a quote would price them, with totals; nothing is stored."""
        data = load(PricingPreviewSchema(), data)
        with self.db.read() as conn:
            return commands.preview(conn, data)
