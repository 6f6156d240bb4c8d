"""Compiled rule sets kept per process, one per database, rebuilt only when
the rules' version changes.

Every change of a rule set bumps its version in the same transaction, so the
version (one cheap row) tells whether the compiled copy is current, whichever
replica made the change.  The rules and their version are loaded by one
statement, so a compiled copy always matches the version it is kept under.
"""


def database_key(conn):
    """Which database a connection is on (tests run several in one process)."""
    info = conn.info
    return info.host, info.port, info.dbname


class CompiledRules:
    def __init__(self, compile_rules):
        self.compile_rules = compile_rules
        self._by_database = {}  # database key -> (version, compiled)

    def get(self, conn, version, load_state):
        """``(compiled, version)`` for the rules at ``version`` or newer;
        ``load_state(conn)`` returns ``{"rules", "version", ...}`` read in
        one statement."""
        key = database_key(conn)
        cached = self._by_database.get(key)
        if cached is None or cached[0] != version:
            state = load_state(conn)
            cached = state["version"], self.compile_rules(state["rules"])
            self._by_database[key] = cached
        return cached[1], cached[0]
