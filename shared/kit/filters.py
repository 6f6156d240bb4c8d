"""The WHERE clauses of list queries, built from a validated query dict: one
way for every service's list filters.  A filter applies when its field is
given (not None, not empty); ``clauses`` and ``params`` go to
``pagination.keyset_page``.

    where = Where(query)
    where.equal("owner", "account_id").any_of("status")
    where.compare(close_from="expected_close_date >= %s")
    where.search(SEARCH_EXPRESSION, every_word=True)
"""


def escape_like(text):
    """``text`` matched literally inside an ILIKE pattern."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class Where:
    def __init__(self, query, *clauses):
        self.query = query
        self.clauses = list(clauses)
        self.params = []

    def given(self, field):
        value = self.query.get(field)
        return value is not None and not (isinstance(value, str | list | tuple | set) and not value)

    def add(self, clause, *params):
        self.clauses.append(clause)
        self.params.extend(params)
        return self

    def equal(self, *fields):
        """``field = value`` for each given field (the column is the field)."""
        for field in fields:
            if self.given(field):
                self.add(f"{field} = %s", self.query[field])
        return self

    def any_of(self, *fields):
        """``field = ANY(values)`` for each given list field."""
        for field in fields:
            if self.given(field):
                self.add(f"{field} = ANY(%s)", list(self.query[field]))
        return self

    def compare(self, **clauses):
        """``field="<clause with one %s>"``: the clause with the field's value."""
        for field, clause in clauses.items():
            if self.given(field):
                self.add(clause, self.query[field])
        return self

    def search(self, expression, field="q", every_word=False):
        """``expression ILIKE %text%`` for the field's text, or for each of
        its words (every one must match) with ``every_word``."""
        if self.given(field):
            text = self.query[field]
            for term in text.split() if every_word else [text]:
                self.add(f"{expression} ILIKE %s", f"%{escape_like(term)}%")
        return self
