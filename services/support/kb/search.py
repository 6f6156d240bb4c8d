"""Full-text search of the knowledge base (PostgreSQL).

Each article has a stored, weighted ``search_vector`` (title A, tags B,
body C) built with its language's text search configuration
(``kb_regconfig``, 'simple' for languages without a stemmer) and a GIN
index.  A search text is read with ``websearch_to_tsquery`` ("a phrase",
-word, or) in the configuration of the language asked for, or, without
one, in each configuration the knowledge base uses; every article is
matched by the reading in its own configuration (``query_table``), so a
German article is found by its German stems and an English one by its
English stems, and a negated word excludes in every language.

Ranking: the articles whose title and tags alone answer the query come
first, ranked by ``ts_rank`` of their title (A 1.0) and tags (B 0.4) from a
small vector kept in the row (``head_vector``, its own GIN index); then the
others, ranked by ``ts_rank`` of the whole text (the body is C 0.2), with
no length normalisation.  So a word in a title always outranks the same
word in bodies, and a page of a common word is ranked without reading
thousands of bodies' vectors (ranking every match of a word found in a
quarter of 50,000 articles took seconds).  Snippets (``ts_headline``) are
made only for the rows of the page shown, from the body's plain text; they come out HTML-escaped with the
matched words in ``<mark>`` and no other markup.

Suggestions for a case OR the meaningful words (stop words dropped,
stemmed in each configuration) of its subject and description: published
articles sharing more of them, and in better places, come first.
"""

import html

# Sentinels ts_headline puts around matches (private-use characters, removed
# from the text first), replaced by <mark> once the text is escaped.
START, STOP = "\ue000", "\ue001"
HEADLINE_TITLE = f'HighlightAll=true, StartSel="{START}", StopSel="{STOP}"'
HEADLINE_BODY = (f'StartSel="{START}", StopSel="{STOP}", MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=2, '
                 'FragmentDelimiter=" … "')
SNIPPET_INPUT_MAX = 20_000  # characters of a body ts_headline reads (it is linear in the text)
SUGGESTION_WORDS = 48  # lexemes of a case's text a suggestion query ORs at most
CASE_TEXT_MAX = 4000

# The list sorts without a search text: ORDER BY, and the direction-free description.
SORTS = {
    "-updated_at": "a.updated_at DESC, a.id DESC",
    "updated_at": "a.updated_at, a.id",
    "-published_at": "a.published_at DESC NULLS LAST, a.id DESC",
    "title": "lower(a.title), a.id",
}
HIT_COLUMNS = ("a.id, a.slug, a.title, a.tags, a.category_id, a.language, a.visibility, a.status, a.published_at, "
               "a.updated_at, a.version,"
               " EXISTS (SELECT 1 FROM article_drafts d WHERE d.article_id = a.id) AS has_draft")


def marked(text):
    """ts_headline's output as safe HTML: everything escaped, the matches in <mark>."""
    if text is None:
        return None
    return html.escape(text, quote=False).replace(START, "<mark>").replace(STOP, "</mark>")


def configs_in_use(conn):
    """The text search configurations of the languages articles are written
    in (a loose index scan over the languages: a few index probes, not a
    scan of the table)."""
    rows = conn.execute(
        "WITH RECURSIVE langs AS ("
        " (SELECT language FROM articles ORDER BY language LIMIT 1)"
        " UNION ALL"
        " SELECT (SELECT a.language FROM articles a WHERE a.language > langs.language ORDER BY a.language LIMIT 1)"
        " FROM langs WHERE langs.language IS NOT NULL)"
        " SELECT DISTINCT kb_regconfig(language)::text AS config FROM langs WHERE language IS NOT NULL"
        " ORDER BY 1").fetchall()
    return [row["config"] for row in rows] or ["simple"]


def _grouped_table(pairs):
    """(SQL of a derived table ``q(configs, query)``, params) from (config,
    tsquery text) pairs: configurations that read the text alike share one
    row, so the index is probed once for them.  None when no reading can
    match anything (stop words only)."""
    groups = {}
    for config, query in pairs:
        if query:
            groups.setdefault(query, []).append(config)
    if not groups:
        return None
    rows = ", ".join(["(%s::regconfig[], %s::tsquery)"] * len(groups))
    return f"(VALUES {rows}) AS q(configs, query)", [value for query, configs in groups.items()
                                                      for value in (configs, query)]


def query_table(conn, text, language=None):
    """(SQL of a derived table ``q(configs, query)``, params), or None when the
    text cannot match: the search text read in each configuration in use (only
    the language's when a language is asked for).  Articles join it on their
    own configuration, so each is matched by the reading in its language (a
    French stem of a word never decides about an English article: ``-laser``
    excludes it)."""
    if language is not None:
        configs = [conn.execute("SELECT kb_regconfig(%s)::text AS config", (language,)).fetchone()["config"]]
    else:
        configs = configs_in_use(conn)
    rows = conn.execute("SELECT c.config, websearch_to_tsquery(c.config::regconfig, %s)::text AS query"
                        " FROM unnest(%s::text[]) AS c(config)", (text, configs)).fetchall()
    return _grouped_table((row["config"], row["query"]) for row in rows)


JOIN_QUERY = " JOIN {table} ON a.search_config = ANY(q.configs) AND a.search_vector @@ q.query"


def filters(query, public=False):
    """(clauses, params) of the list filters."""
    clauses, params = [], []
    if public:
        clauses += ["a.status = 'published'", "a.visibility = 'public'"]
    else:
        if query.get("status"):
            clauses.append("a.status = ANY(%s)")
            params.append(list(query["status"]))
        if query.get("visibility"):
            clauses.append("a.visibility = %s")
            params.append(query["visibility"])
    if query.get("category_id"):
        clauses.append("a.category_id = %s")
        params.append(str(query["category_id"]))
    if query.get("language"):
        clauses.append("a.language = %s")
        params.append(query["language"])
    if query.get("tag"):
        clauses.append("a.tags @> ARRAY[%s]::text[]")
        params.append(query["tag"].strip().lower())
    return clauses, params


def _where(clauses):
    return (" WHERE " + " AND ".join(clauses)) if clauses else ""


def _ranked_ids(conn, join, join_params, clauses, params, negated, offset, count):
    """Up to ``count`` (id, rank) of the ranked order from ``offset``: first
    the articles whose title and tags alone answer the query (ranked on them:
    small vectors in the row), then the others (ranked on the whole text), so
    a body's vector is read only when the page reaches past the first."""
    # A word excluded may be in the body: then the whole text must answer too.
    head_clauses = [*clauses, "a.search_vector @@ q.query"] if negated else clauses
    head_join = join.replace("a.search_vector @@ q.query", "a.head_vector @@ q.query")
    order = "ORDER BY rank DESC, a.published_at DESC NULLS LAST, a.id"
    first = conn.execute(
        f"SELECT a.id, ts_rank(a.head_vector, q.query)::float8 AS rank FROM articles a{head_join}"
        f"{_where(head_clauses)} {order} LIMIT %s",
        (*join_params, *params, offset + count), prepare=False).fetchall()
    if len(first) >= offset + count:
        return first[offset:]
    rest = conn.execute(
        f"SELECT a.id, ts_rank(a.search_vector, q.query)::float8 AS rank FROM articles a{join}"
        f"{_where([*clauses, 'NOT a.head_vector @@ q.query'])} {order} LIMIT %s OFFSET %s",
        (*join_params, *params, offset + count - len(first), max(0, offset - len(first))), prepare=False).fetchall()
    return first[offset:] + rest


def _page_rows(conn, table, table_params, ranked):
    """The hit columns, title highlight and snippet of the ranked ids, in their order."""
    if not ranked:
        return []
    rows = conn.execute(
        "SELECT page.*,"
        " ts_headline(page.search_config, translate(page.title, %s, ''), page.query, %s) AS title_highlight,"
        f" ts_headline(page.search_config, translate(left(page.body_text, {SNIPPET_INPUT_MAX}), %s, ''),"
        " page.query, %s) AS snippet"
        f" FROM (SELECT {HIT_COLUMNS}, a.body_text, a.search_config, q.query FROM articles a"
        f"  JOIN {table} ON a.search_config = ANY(q.configs) WHERE a.id = ANY(%s::uuid[])) page",
        (START + STOP, HEADLINE_TITLE, START + STOP, HEADLINE_BODY, *table_params,
         [str(row["id"]) for row in ranked]), prepare=False).fetchall()
    by_id = {row["id"]: row for row in rows}
    return [{**by_id[row["id"]], "rank": row["rank"]} for row in ranked if row["id"] in by_id]


def search(conn, query, public=False):
    """``(rows, has_more)``: one page of articles, ranked when ``q`` is given
    (with ``rank``, ``title_highlight`` and ``snippet``), else in the list's sort."""
    clauses, params = filters(query, public)
    limit, page = int(query.get("limit") or 20), int(query.get("page") or 1)
    offset = (page - 1) * limit
    text = query.get("q")
    sort = query.get("sort")
    join, join_params, table = "", [], None
    if text:
        table = query_table(conn, text, query.get("language"))
        if table is None:
            return [], False
        join = JOIN_QUERY.format(table=table[0])
        join_params = table[1]
    if not text or (sort and sort != "relevance"):
        order = SORTS[sort if sort in SORTS else "-updated_at"]
        rows = conn.execute(
            f"SELECT {HIT_COLUMNS}, NULL::float8 AS rank, NULL AS title_highlight, NULL AS snippet"
            f" FROM articles a{join}{_where(clauses)} ORDER BY {order} LIMIT %s OFFSET %s",
            (*join_params, *params, limit + 1, offset), prepare=False).fetchall()
        return rows[:limit], len(rows) > limit
    negated = any("!" in value for value in table[1] if isinstance(value, str))
    ranked = _ranked_ids(conn, join, join_params, clauses, params, negated, offset, limit + 1)
    return _page_rows(conn, table[0], table[1], ranked[:limit]), len(ranked) > limit


def case_query(conn, case_text):
    """(SQL of a derived table ``q(configs, query)``: for each configuration in
    use an OR tsquery of the case text's meaningful words in it, params), or
    None when the text has no such word."""
    configs = configs_in_use(conn)
    lexeme_sets = conn.execute(
        "SELECT c.config, ARRAY(SELECT lexeme FROM unnest(to_tsvector(c.config::regconfig, %s))"
        f" ORDER BY cardinality(positions) DESC, lexeme LIMIT {SUGGESTION_WORDS}) AS lexemes"
        " FROM unnest(%s::text[]) AS c(config)", (case_text[:CASE_TEXT_MAX], configs)).fetchall()
    # A tsquery typed as text: each lexeme quoted as it is (no second stemming).
    return _grouped_table((row["config"], " | ".join(_quoted_lexeme(word) for word in sorted(row["lexemes"])))
                          for row in lexeme_sets)


def _quoted_lexeme(word):
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def suggest(conn, case_text, case_id, limit):
    """Published articles for a case's text, best first (ranked as a search
    is), with a snippet and whether each is linked to the case already."""
    table = case_query(conn, case_text)
    if table is None:
        return []
    ranked = _ranked_ids(conn, JOIN_QUERY.format(table=table[0]), table[1], ["a.status = 'published'"], [], False,
                         0, limit)
    rows = _page_rows(conn, table[0], table[1], ranked)
    linked = {row["article_id"] for row in conn.execute(
        "SELECT article_id FROM article_cases WHERE case_id = %s AND article_id = ANY(%s::uuid[])",
        (case_id, [str(row["id"]) for row in rows])).fetchall()}
    return [{**row, "linked": row["id"] in linked} for row in rows]
