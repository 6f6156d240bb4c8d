"""Knowledge base RPC entrypoints: thin shells over services.support.kb."""

from services.support.kb import commands, render
from shared.kit import versions
from shared.kit.entrypoints import rpc
from shared.kit.validation import load, load_uuid
from shared.schemas.errors import NotFound, ValidationFailed
from shared.schemas.support.kb import (
    SLUG_MAX,
    ArticleCreateSchema,
    ArticleQuerySchema,
    ArticleUpdateSchema,
    CaseLinkSchema,
    CategoryCreateSchema,
    CategoryUpdateSchema,
    PreviewSchema,
    PublicArticleQuerySchema,
    SuggestionQuerySchema,
    VersionDiffQuerySchema,
    VoteSchema,
)


def _article_id(value):
    return load_uuid(value, "article id")


def _reference(value):
    """An article's id or slug, as the public routes take it."""
    if not isinstance(value, str) or not 0 < len(value) <= SLUG_MAX:
        raise NotFound(f"No public article {str(value)[:120]!r}.")
    return value


class KnowledgeRpc:
    """Mixin of SupportService (which provides ``self.db``, ``self.config``)."""

    # Categories ---------------------------------------------------------------

    @rpc
    def list_kb_categories(self):
        with self.db.read() as conn:
            return commands.list_categories(conn)

    @rpc
    def create_kb_category(self, data, actor=None):
        data = load(CategoryCreateSchema(), data)
        with self.db.transaction() as conn:
            return commands.create_category(conn, data, actor)

    @rpc
    def update_kb_category(self, category_id, changes, actor=None, expected_version=None):
        category_id = load_uuid(category_id, "category id")
        changes = load(CategoryUpdateSchema(), changes)
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            return commands.update_category(conn, category_id, changes, actor, expected_version)

    # Articles -----------------------------------------------------------------

    @rpc
    def create_article(self, data, actor=None):
        data = load(ArticleCreateSchema(), data)
        with self.db.transaction() as conn:
            return commands.create_article(conn, data, actor)

    @rpc
    def get_article(self, article_id):
        article_id = _article_id(article_id)
        with self.db.transaction() as conn:
            return commands.get_article(conn, article_id)

    @rpc
    def search_articles(self, query=None):
        """Articles by words (ranked, with highlighted snippets) and filters;
        without words, the list in its sort."""
        query = load(ArticleQuerySchema(), query or {})
        with self.db.transaction() as conn:
            return commands.search_articles(conn, query)

    @rpc
    def update_article(self, article_id, changes, actor=None, expected_version=None):
        article_id = _article_id(article_id)
        changes = load(ArticleUpdateSchema(), changes)
        if not changes:
            raise ValidationFailed("Name at least one field to change.", {"_schema": ["No field to change."]})
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            return commands.update_article(conn, article_id, changes, actor, expected_version)

    def _move(self, action, article_id, actor, expected_version):
        article_id = _article_id(article_id)
        expected_version = versions.expected_version(expected_version)
        with self.db.transaction() as conn:
            return getattr(commands, f"{action}_article")(conn, article_id, actor, expected_version)

    @rpc
    def submit_article(self, article_id, actor=None, expected_version=None):
        return self._move("submit", article_id, actor, expected_version)

    @rpc
    def withdraw_article(self, article_id, actor=None, expected_version=None):
        return self._move("withdraw", article_id, actor, expected_version)

    @rpc
    def publish_article(self, article_id, actor=None, expected_version=None):
        return self._move("publish", article_id, actor, expected_version)

    @rpc
    def archive_article(self, article_id, actor=None, expected_version=None):
        return self._move("archive", article_id, actor, expected_version)

    @rpc
    def restore_article(self, article_id, actor=None, expected_version=None):
        return self._move("restore", article_id, actor, expected_version)

    @rpc
    def preview_article(self, data):
        """Markdown -> the sanitised HTML readers would see (the editor's preview)."""
        data = load(PreviewSchema(), data)
        return {"html": render.to_html(data["body"])}

    # Versions ------------------------------------------------------------------

    @rpc
    def article_versions(self, article_id):
        article_id = _article_id(article_id)
        with self.db.transaction() as conn:
            return commands.list_versions(conn, article_id)

    @rpc
    def diff_article_versions(self, article_id, from_version, to_version):
        """A unified diff between two published versions (or a version and
        the pending draft copy: ``to_version="draft"``)."""
        article_id = _article_id(article_id)
        query = load(VersionDiffQuerySchema(), {"from": from_version, "to": str(to_version)})
        with self.db.transaction() as conn:
            return commands.diff_versions(conn, article_id, query["from_"], query["to"])

    # Public reading --------------------------------------------------------------

    @rpc
    def search_public_articles(self, query=None):
        """Published public articles only."""
        query = load(PublicArticleQuerySchema(), query or {})
        with self.db.transaction() as conn:
            return commands.search_public_articles(conn, query)

    @rpc
    def read_public_article(self, reference):
        """A published public article by id or slug (counts a view); anything
        else, internal articles included, is NotFound."""
        reference = _reference(reference)
        with self.db.transaction() as conn:
            return commands.read_public_article(conn, reference)

    @rpc
    def vote_public_article(self, reference, data):
        reference = _reference(reference)
        data = load(VoteSchema(), data)
        with self.db.transaction() as conn:
            return commands.vote(conn, reference, data["helpful"], data.get("comment"), public=True)

    @rpc
    def vote_article(self, article_id, data, actor=None):
        article_id = _article_id(article_id)
        data = load(VoteSchema(), data)
        with self.db.transaction() as conn:
            return commands.vote(conn, article_id, data["helpful"], data.get("comment"), voter=actor)

    # Cases -------------------------------------------------------------------------

    @rpc
    def suggested_articles(self, case_id, query=None):
        """Published articles for a case's subject and description, best first."""
        case_id = load_uuid(case_id, "case id")
        query = load(SuggestionQuerySchema(), query or {})
        with self.db.transaction() as conn:
            return commands.suggested_articles(conn, case_id, query["limit"])

    @rpc
    def link_article_case(self, article_id, data, actor=None):
        article_id = _article_id(article_id)
        data = load(CaseLinkSchema(), data)
        with self.db.transaction() as conn:
            return commands.link_case(conn, article_id, str(data["case_id"]), actor)

    @rpc
    def unlink_article_case(self, article_id, case_id, actor=None):
        article_id = _article_id(article_id)
        case_id = load_uuid(case_id, "case id")
        with self.db.transaction() as conn:
            return commands.unlink_case(conn, article_id, case_id)

    @rpc
    def article_cases(self, article_id):
        article_id = _article_id(article_id)
        with self.db.transaction() as conn:
            return commands.cases_of_article(conn, article_id)

    @rpc
    def case_articles(self, case_id):
        case_id = load_uuid(case_id, "case id")
        with self.db.transaction() as conn:
            return commands.articles_of_case(conn, case_id)
