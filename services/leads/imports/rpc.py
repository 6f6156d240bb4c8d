"""CSV import RPC entrypoints: thin shells over services.leads.imports."""

from services.leads.arguments import bounded, load_id
from services.leads.imports import commands
from shared.kit.entrypoints import rpc
from shared.kit.validation import whole_number
from shared.schemas.errors import ValidationFailed

UPLOAD_KEY_MAX = 300
REASON_MAX = 500
MAX_OWNERS = 100_000


class ImportsRpc:
    """Mixin of LeadsService (which provides ``self.db``)."""

    @rpc
    def start_import(self, filename, header, actor=None, upload_key=None, owners=None):
        """``upload_key`` names the upload: a start under a key that started a
        job answers that job (resumed when it was still taking rows).
        ``owners``: the usernames the rows may name as owner (the suite's
        active users, which the gateway knows); None: not checked."""
        upload_key = optional_text(upload_key, "upload_key", UPLOAD_KEY_MAX)
        owners = usernames(owners)
        with self.db.transaction() as conn:
            return commands.start(conn, filename, header, actor, upload_key, owners)

    @rpc
    def abandon_import(self, job_id, reason=None, resumable=True):
        """The upload feeding the job broke off (``reason``: what the caller
        saw); ``resumable``: a retry under its upload key may resume it."""
        reason = optional_text(reason, "reason", REASON_MAX)
        if not isinstance(resumable, bool):
            raise ValidationFailed("resumable must be true or false.", {"resumable": ["Invalid."]})
        with self.db.transaction() as conn:
            return commands.abandon(conn, load_id(job_id), reason, commands.idle_seconds(self.config), resumable)

    @rpc
    def import_rows(self, job_id, seq, rows, first_row=None):
        with self.db.transaction() as conn:
            return commands.add_batch(conn, load_id(job_id), whole_number(seq, "seq", 1), rows, first_row)

    @rpc
    def finish_import(self, job_id, batches):
        with self.db.transaction() as conn:
            return commands.finish(conn, load_id(job_id), whole_number(batches, "batches", 0))

    @rpc
    def get_import(self, job_id):
        with self.db.read() as conn:
            return commands.get(conn, load_id(job_id))

    @rpc
    def import_errors(self, job_id, cursor=None, limit=100):
        with self.db.read() as conn:
            return commands.errors_page(conn, load_id(job_id), cursor, bounded(limit))


def usernames(value):
    """None, or a list of usernames (text of 1 to 100 characters)."""
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > MAX_OWNERS or not all(
            isinstance(name, str) and 0 < len(name) <= 100 for name in value):
        raise ValidationFailed(f"owners must be a list of at most {MAX_OWNERS} usernames.", {"owners": ["Invalid."]})
    return value


def optional_text(value, field, max_length):
    if value is not None and (not isinstance(value, str) or not 0 < len(value) <= max_length):
        raise ValidationFailed(f"{field} must be text of 1 to {max_length} characters.", {field: ["Invalid."]})
    return value
