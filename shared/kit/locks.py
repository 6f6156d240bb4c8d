"""PostgreSQL advisory locks, named by text."""


def advisory_lock(conn, key, shared=False):
    """Take the transaction-scoped advisory lock named ``key`` (released at
    commit or rollback); ``shared`` lets holders of the shared lock run
    together while the exclusive one waits for all of them."""
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    conn.execute(f"SELECT {function}(hashtext(%s))", (key,))
