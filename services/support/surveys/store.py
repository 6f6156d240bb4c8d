"""SQL for surveys and follow-up tasks: plain functions over a connection
already in a transaction."""

import uuid

from shared.kit.filters import Where
from shared.kit.pagination import both_ways, keyset_page
from shared.kit.rows import insert_row, update_row
from shared.schemas.errors import NotFound

# A survey with its case's number and subject; ``state``: open / answered /
# expired (an open survey past its expiry is expired, whether or not a later
# resolution has closed it yet).
SELECT_SURVEYS = (
    "SELECT s.*, c.number AS case_number, c.subject AS case_subject,"
    " CASE WHEN s.status = 'open' AND s.expires_at <= now() THEN 'expired' ELSE s.status END AS state"
    " FROM surveys s JOIN cases c ON c.id = s.case_id")

# Tasks with their case's number and subject and the answer that opened them.
SELECT_TASKS = (
    "SELECT * FROM (SELECT t.*, c.number AS case_number, c.subject AS case_subject, s.csat, s.nps, s.comment"
    " FROM tasks t JOIN cases c ON c.id = t.case_id LEFT JOIN surveys s ON s.id = t.survey_id) AS tasks_view")
TASK_SORTS = {
    **both_ways("due", "due_at", "timestamptz"),
    **both_ways("created_at", "created_at", "timestamptz"),
}


def now(conn):
    return conn.execute("SELECT now() AS at").fetchone()["at"]


# Surveys ------------------------------------------------------------------------

def open_survey_of_case(conn, case_id):
    """The case's open survey (locked), or None."""
    return conn.execute("SELECT * FROM surveys WHERE case_id = %s AND status = 'open' FOR UPDATE",
                        (case_id,)).fetchone()


def expire_survey(conn, survey_id):
    conn.execute("UPDATE surveys SET status = 'expired' WHERE id = %s AND status = 'open'", (survey_id,))


def insert_survey(conn, values):
    """The new open survey, or None when the case has one open already (a
    concurrent resolution won: the partial unique index says so)."""
    columns = ", ".join(values)
    placeholders = ", ".join(["%s"] * len(values))
    row = conn.execute(
        f"INSERT INTO surveys (id, {columns}) VALUES (%s, {placeholders})"
        " ON CONFLICT (case_id) WHERE status = 'open' DO NOTHING RETURNING id",
        (str(uuid.uuid4()), *values.values())).fetchone()
    return None if row is None else get_survey(conn, row["id"])


def get_survey(conn, survey_id):
    """The survey (with case number, subject and ``state``) or None."""
    return conn.execute(f"{SELECT_SURVEYS} WHERE s.id = %s", (survey_id,)).fetchone()


def answer_survey(conn, survey_id, csat, nps, comment, at):
    """Record the answer if the survey is still open and not expired at
    ``at``; None otherwise.  Of two concurrent answers the second waits for
    the first's row lock, then finds the row answered: the database keeps
    the link single-use."""
    row = conn.execute(
        "UPDATE surveys SET status = 'answered', answered_at = %s, csat = %s, nps = %s, comment = %s"
        " WHERE id = %s AND status = 'open' AND expires_at > %s RETURNING id",
        (at, csat, nps, comment, survey_id, at)).fetchone()
    return None if row is None else get_survey(conn, row["id"])


def surveys_of_case(conn, case_id):
    return conn.execute(f"{SELECT_SURVEYS} WHERE s.case_id = %s ORDER BY s.sent_at DESC, s.id",
                        (case_id,)).fetchall()


# Tasks --------------------------------------------------------------------------

def insert_task(conn, values):
    row = insert_row(conn, "tasks", {"id": str(uuid.uuid4()), **values})
    return get_task(conn, row["id"])


def get_task(conn, task_id, lock=False):
    if lock:
        conn.execute("SELECT id FROM tasks WHERE id = %s FOR UPDATE", (task_id,))
    row = conn.execute(f"{SELECT_TASKS} WHERE id = %s", (task_id,)).fetchone()
    if row is None:
        raise NotFound(f"No task with id {task_id}.")
    return row


def update_task(conn, task_id, values):
    update_row(conn, "tasks", task_id, values)
    return get_task(conn, task_id)


def list_tasks(conn, query):
    where = Where(query)
    where.equal("team_id", "case_id", "status").any_of("assignee_id")
    return keyset_page(conn, SELECT_TASKS, where.clauses, where.params, TASK_SORTS[query.get("sort") or "due"],
                       query.get("cursor"),
                       int(query.get("limit") or 50))
