"""SQL for agents, teams, members and routing rules: plain functions over a
connection already in a transaction."""

from shared.kit.rows import get_row, insert_row, update_row
from shared.schemas.errors import NotFound

OPEN_STATUSES = ("new", "open", "pending", "on_hold")
TEAM_COLUMNS = ("id", "name", "description", "assignment_method", "nps_enabled", "is_default", "active",
                "created_by")
RULE_COLUMNS = ("id", "name", "position", "channels", "account_types", "tags", "keywords", "team_id", "active",
                "created_by")
MEMBER_SELECT = ("SELECT m.team_id, m.user_id, m.available, m.last_turn, m.joined_at, a.name, a.email, a.active"
                 " FROM team_members m JOIN agents a ON a.user_id = m.user_id")


# Agents -------------------------------------------------------------------------

def upsert_agent(conn, agent):
    """Insert or refresh an agent; an email not given keeps the known one."""
    return conn.execute(
        "INSERT INTO agents (user_id, name, email) VALUES (%s, %s, %s)"
        " ON CONFLICT (user_id) DO UPDATE SET name = EXCLUDED.name,"
        " email = coalesce(EXCLUDED.email, agents.email), active = true, updated_at = now()"
        " WHERE (agents.name, agents.email, agents.active)"
        "   IS DISTINCT FROM (EXCLUDED.name, coalesce(EXCLUDED.email, agents.email), true)"
        " RETURNING *",
        (agent["user_id"], agent["name"], agent.get("email"))).fetchone() or get_agent(conn, agent["user_id"])


def get_agent(conn, user_id):
    return conn.execute("SELECT * FROM agents WHERE user_id = %s", (user_id,)).fetchone()


# Teams ----------------------------------------------------------------------------

def insert_team(conn, values):
    return insert_row(conn, "teams", {column: values[column] for column in TEAM_COLUMNS if column in values})


def get_team(conn, team_id, lock=None):
    return get_row(conn, "teams", team_id, "team", lock)


def find_team(conn, team_id):
    return conn.execute("SELECT * FROM teams WHERE id = %s", (team_id,)).fetchone()


def team_by_name(conn, name, exclude_id=None):
    return conn.execute("SELECT * FROM teams WHERE lower(name) = lower(%s) AND id IS DISTINCT FROM %s::uuid",
                        (name, exclude_id)).fetchone()


def update_team(conn, team_id, values):
    return update_row(conn, "teams", team_id, values)


def default_team(conn, lock=False):
    return conn.execute("SELECT * FROM teams WHERE is_default" + (" FOR UPDATE" if lock else "")).fetchone()


def unmark_default(conn, except_id):
    conn.execute("UPDATE teams SET is_default = false, version = version + 1, updated_at = now()"
                 " WHERE is_default AND id <> %s", (except_id,))


def list_teams(conn, active=None):
    return conn.execute("SELECT * FROM teams WHERE (%s::boolean IS NULL OR active = %s) ORDER BY lower(name), id",
                        (active, active)).fetchall()


# Members ----------------------------------------------------------------------------

def members_of(conn, team_ids):
    """{team id (str): [member rows, by name]}."""
    if not team_ids:
        return {}
    rows = conn.execute(MEMBER_SELECT + " WHERE m.team_id = ANY(%s::uuid[]) ORDER BY lower(a.name), m.user_id",
                        ([str(team_id) for team_id in team_ids],)).fetchall()
    members = {str(team_id): [] for team_id in team_ids}
    for row in rows:
        members[str(row["team_id"])].append(row)
    return members


def get_member(conn, team_id, user_id, lock=False):
    row = conn.execute(MEMBER_SELECT + " WHERE m.team_id = %s AND m.user_id = %s"
                       + (" FOR UPDATE OF m" if lock else ""), (team_id, user_id)).fetchone()
    if row is None:
        raise NotFound(f"User {user_id} is not a member of team {team_id}.")
    return row


def add_member(conn, team_id, user_id, available):
    """Insert a member; returns None when the user is one already (then its
    availability is set)."""
    row = conn.execute("INSERT INTO team_members (team_id, user_id, available) VALUES (%s, %s, %s)"
                       " ON CONFLICT (team_id, user_id) DO NOTHING RETURNING *",
                       (team_id, user_id, available)).fetchone()
    if row is None:
        set_available(conn, team_id, user_id, available)
    return row


def set_available(conn, team_id, user_id, available):
    conn.execute("UPDATE team_members SET available = %s WHERE team_id = %s AND user_id = %s",
                 (available, team_id, user_id))


def remove_member(conn, team_id, user_id):
    return conn.execute("DELETE FROM team_members WHERE team_id = %s AND user_id = %s",
                        (team_id, user_id)).rowcount


def touch_team(conn, team_id):
    """A change of the team's members is a change of the team: a new version."""
    return conn.execute("UPDATE teams SET version = version + 1, updated_at = now() WHERE id = %s RETURNING *",
                        (team_id,)).fetchone()


# Assignment ---------------------------------------------------------------------------

def lock_team_turns(conn, team_id):
    """Lock the team's row until the transaction ends: its turns are dealt one
    case at a time (and a fewest-open count waits for the case before it to
    commit).  FOR NO KEY UPDATE, so cases naming the team can still be written."""
    return conn.execute("SELECT * FROM teams WHERE id = %s FOR NO KEY UPDATE", (team_id,)).fetchone()


def next_member(conn, team_id, method):
    """The available, active member whose turn it is (None when none):
    round_robin: the one whose last turn is the oldest; fewest_open: the one
    with the fewest open cases, then in turn."""
    if method == "fewest_open":
        return conn.execute(
            "SELECT m.user_id, m.last_turn,"
            " (SELECT count(*) FROM cases c WHERE c.owner_id = m.user_id AND c.status = ANY(%s)) AS open_cases"
            " FROM team_members m JOIN agents a ON a.user_id = m.user_id"
            " WHERE m.team_id = %s AND m.available AND a.active"
            " ORDER BY open_cases, m.last_turn, m.joined_at, m.user_id LIMIT 1",
            (list(OPEN_STATUSES), team_id)).fetchone()
    return conn.execute(
        "SELECT m.user_id, m.last_turn FROM team_members m JOIN agents a ON a.user_id = m.user_id"
        " WHERE m.team_id = %s AND m.available AND a.active ORDER BY m.last_turn, m.joined_at, m.user_id LIMIT 1",
        (team_id,)).fetchone()


def take_turn(conn, team_id, user_id):
    """Deal the team's next turn to ``user_id`` (the team row is locked)."""
    turn = conn.execute("UPDATE teams SET turns = turns + 1 WHERE id = %s RETURNING turns",
                        (team_id,)).fetchone()["turns"]
    conn.execute("UPDATE team_members SET last_turn = %s WHERE team_id = %s AND user_id = %s",
                 (turn, team_id, user_id))


# Routing rules ---------------------------------------------------------------------------

RULE_SELECT = ("SELECT r.*, t.name AS team_name, t.active AS team_active"
               " FROM routing_rules r JOIN teams t ON t.id = r.team_id")


def list_rules(conn, active_only=False):
    where = " WHERE r.active" if active_only else ""
    return conn.execute(RULE_SELECT + where + " ORDER BY r.position, r.id").fetchall()


def get_rule(conn, rule_id, lock=False):
    row = conn.execute(RULE_SELECT + " WHERE r.id = %s" + (" FOR UPDATE OF r" if lock else ""),
                       (rule_id,)).fetchone()
    if row is None:
        raise NotFound(f"No routing rule with id {rule_id}.")
    return row


def insert_rule(conn, values):
    insert_row(conn, "routing_rules", {column: values[column] for column in RULE_COLUMNS if column in values})
    return get_rule(conn, values["id"])


def update_rule(conn, rule_id, values):
    update_row(conn, "routing_rules", rule_id, values)
    return get_rule(conn, rule_id)


def delete_rule(conn, rule_id):
    return conn.execute("DELETE FROM routing_rules WHERE id = %s", (rule_id,)).rowcount


def account_type(conn, account_id):
    """The type of an account in support's copy of sales' accounts (None when unknown)."""
    if not account_id:
        return None
    row = conn.execute("SELECT type FROM accounts WHERE id = %s", (account_id,)).fetchone()
    return row["type"] if row else None


def list_agents(conn, team_id=None, active=None):
    """Agents by name, each with its teams (``teams``: [{id, name, available}])."""
    return conn.execute(
        "SELECT a.user_id, a.name, a.active, coalesce(json_agg(json_build_object('id', t.id, 'name', t.name,"
        " 'available', m.available) ORDER BY lower(t.name)) FILTER (WHERE t.id IS NOT NULL), '[]') AS teams"
        " FROM agents a LEFT JOIN team_members m ON m.user_id = a.user_id LEFT JOIN teams t ON t.id = m.team_id"
        " WHERE (%(active)s::boolean IS NULL OR a.active = %(active)s)"
        " AND (%(team)s::uuid IS NULL OR EXISTS (SELECT FROM team_members f WHERE f.user_id = a.user_id"
        "      AND f.team_id = %(team)s))"
        " GROUP BY a.user_id ORDER BY lower(a.name), a.user_id",
        {"active": active, "team": team_id}).fetchall()
