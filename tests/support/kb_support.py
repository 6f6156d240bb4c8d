"""What the knowledge base tests share: articles in each status, and cases
written straight into the cases table (the knowledge base only reads them)."""

import uuid

from tests.services import unique


def new_article(support, title=None, body="How to do it.", actor="writer", **fields):
    data = {"title": title or f"Article {unique()}", "body": body, **fields}
    return support.create_article(data, actor)


def published_article(support, title=None, body="How to do it.", actor="writer", **fields):
    article = new_article(support, title, body, actor, **fields)
    support.submit_article(article["id"], actor)
    return support.publish_article(article["id"], "reviewer")


def new_case(db, subject, description=None):
    case_id = str(uuid.uuid4())
    seq = db.scalar("SELECT nextval('case_numbers')")
    db.conn.execute("INSERT INTO cases (id, number_seq, number, subject, description) VALUES (%s, %s, %s, %s, %s)",
                    (case_id, seq, f"CASE-{seq:06d}", subject, description))
    return case_id
