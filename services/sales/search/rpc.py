"""The search RPC entrypoint: a thin shell over services.sales.search."""

from services.sales.search import hits, store
from shared.kit import search as searching
from shared.kit.entrypoints import rpc
from shared.kit.validation import load
from shared.schemas.search import SalesSearchSchema


class SearchRpc:
    """Mixin of SalesService (which provides ``self.db``)."""

    @rpc
    def search(self, q, limit=None, kinds=None):
        """``{kind: [hit, ...]}`` for each of ``kinds`` (default: accounts,
        contacts, opportunities): the best ``limit`` of each for ``q``.
        Contacts and opportunities of the accounts the text matches are
        found too (``matched: account``)."""
        arguments = {"q": q, **({"limit": limit} if limit is not None else {}),
                     **({"kinds": kinds} if kinds is not None else {})}
        query = load(SalesSearchSchema(), arguments)
        terms, limit, kinds = searching.read(query["q"]), query["limit"], query["kinds"]
        found = {}
        with self.db.read() as conn:
            accounts = store.accounts(conn, terms, max(limit, hits.ACCOUNTS_FOLLOWED))
            followed = hits.followed_accounts(terms, accounts)
            if "accounts" in kinds:
                found["accounts"] = hits.best(terms, "accounts", accounts, limit)
            if "contacts" in kinds:
                found["contacts"] = hits.best(terms, "contacts", store.contacts(conn, terms, followed, limit), limit)
            if "opportunities" in kinds:
                rows = store.opportunities(conn, terms, followed, limit)
                found["opportunities"] = hits.best(terms, "opportunities", rows, limit)
        return found
