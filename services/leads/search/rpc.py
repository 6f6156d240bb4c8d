"""The search RPC entrypoint: a thin shell over services.leads.search."""

from services.leads.search import hits, store
from shared.kit import search as searching
from shared.kit.entrypoints import rpc
from shared.kit.validation import load
from shared.schemas.search import SearchQuerySchema


class SearchRpc:
    """Mixin of LeadsService (which provides ``self.db``)."""

    @rpc
    def search(self, q, limit=None):
        """``{"leads": [hit, ...]}``: the best ``limit`` leads for ``q``."""
        query = load(SearchQuerySchema(), {"q": q} if limit is None else {"q": q, "limit": limit})
        terms = searching.read(query["q"])
        with self.db.read() as conn:
            rows = store.candidates(conn, terms, query["limit"])
        return {"leads": hits.best(terms, rows, query["limit"])}
