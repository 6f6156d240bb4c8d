"""CSV import RPC entrypoints: thin shells over services.leads.imports."""

from services.leads.arguments import bounded, load_id
from services.leads.imports import commands
from shared.kit.entrypoints import rpc
from shared.kit.validation import whole_number


class ImportsRpc:
    """Mixin of LeadsService (which provides ``self.db``)."""

    @rpc
    def start_import(self, filename, header, actor=None):
        with self.db.transaction() as conn:
            return commands.start(conn, filename, header, actor)

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
        with self.db.transaction() as conn:
            return commands.get(conn, load_id(job_id))

    @rpc
    def import_errors(self, job_id, cursor=None, limit=100):
        with self.db.transaction() as conn:
            return commands.errors_page(conn, load_id(job_id), cursor, bounded(limit))
