"""A tiny service built only from the kit, used by the kit's tests."""

from marshmallow import Schema, fields

from shared.kit import outbox
from shared.kit.background import BackgroundLoop
from shared.kit.db import Database
from shared.kit.entrypoints import rpc
from shared.kit.health import HealthRpc
from shared.kit.inbox import inbox_handler
from shared.kit.relay import OutboxRelay
from shared.kit.service import Service
from shared.kit.tracing import Tracing
from shared.schemas.events import EVENTS, register_event


class NoteSchema(Schema):
    id = fields.Integer(required=True)
    body = fields.String(required=True)


if "note.written" not in EVENTS:
    register_event("note.written", NoteSchema, "kitsample", "A note was written (kit tests only).")


class KitSample(HealthRpc):
    name = "kitsample"

    db = Database()
    relay = OutboxRelay()
    tracing = Tracing()

    @rpc
    def write_note(self, body, fail_after_write=False):
        with self.db.transaction() as conn:
            note = conn.execute("INSERT INTO notes (body) VALUES (%s) RETURNING id, body", (body,)).fetchone()
            outbox.add(conn, "note.written", note)
            if fail_after_write:
                raise ValueError("rolled back")
        return note

    @rpc
    def write_in_two_steps(self, body, fail_at_the_end=False):
        """Two transactions, as a saga step would: only the last carries the
        recorded answer; the first must be idempotent on its own."""
        with self.db.transaction() as conn:
            conn.execute("INSERT INTO notes (body) SELECT %s WHERE NOT EXISTS (SELECT 1 FROM notes WHERE body = %s)",
                         (body + "-first", body + "-first"))
        with self.db.transaction() as conn:
            note = conn.execute("INSERT INTO notes (body) VALUES (%s) RETURNING id, body", (body,)).fetchone()
        if fail_at_the_end:
            raise ValueError("failed after writing")
        return note

    @rpc
    def count_notes(self, body):
        with self.db.read() as conn:
            return conn.execute("SELECT count(*) AS n FROM notes WHERE body = %s", (body,)).fetchone()["n"]

    @rpc
    def write_many(self, bodies):
        with self.db.transaction() as conn:
            events = []
            for body in bodies:
                note = conn.execute("INSERT INTO notes (body) VALUES (%s) RETURNING id, body", (body,)).fetchone()
                events.append(("note.written", note))
            return outbox.add_many(conn, events)

    @rpc
    def sleep_in_db(self, seconds):
        with self.db.transaction() as conn:
            return conn.execute(
                "SELECT clock_timestamp() AS started, pg_sleep(%s), clock_timestamp() AS ended", (seconds,)
            ).fetchone()


class KitConsumer:
    name = "kitconsumer"

    db = Database()
    tracing = Tracing()

    outages = {}  # event id -> times the database was "unavailable" for it

    @inbox_handler("kitsample", "note.written")
    def on_note_written(self, event):
        if event["data"]["body"].startswith("explode"):
            raise RuntimeError("handler failure")
        if event["data"]["body"].startswith("outage") and KitConsumer.outages.get(event["id"], 0) < 4:
            KitConsumer.outages[event["id"]] = KitConsumer.outages.get(event["id"], 0) + 1
            from shared.schemas.errors import Unavailable

            raise Unavailable("The database cannot be reached right now (a test outage).")
        with self.db.handle_once(event) as conn:
            if conn is not None:
                conn.execute(
                    "INSERT INTO effects (event_id, body) VALUES (%s, %s)", (event["id"], event["data"]["body"])
                )


class FlakyLoop(BackgroundLoop):
    """Fails with a bug (KeyError) on its first two rounds, then works."""

    identifier = "flaky-loop"

    def setup(self):
        super().setup()
        self.rounds = 0
        self.served = 0

    def serve(self):
        self.rounds += 1
        if self.rounds <= 2:
            raise KeyError("a bug in a background job")
        while self.running:
            self.served += 1
            self.sleep(0.05)


class KitFull(Service):
    """A service on the kit's Service base: relay, janitor, metrics, ops port."""

    name = "kitfull"
    flaky = FlakyLoop()

    @rpc
    def write_note(self, body):
        with self.db.transaction() as conn:
            note = conn.execute("INSERT INTO notes (body) VALUES (%s) RETURNING id, body", (body,)).fetchone()
            outbox.add(conn, "note.written", note)
        return note

    @rpc
    def refuse(self):
        from shared.schemas.errors import Conflict

        raise Conflict("refused on purpose")

    @rpc
    def loop_state(self):
        return {"rounds": self.flaky.rounds, "served": self.flaky.served}
