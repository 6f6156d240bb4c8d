"""Placeholder until this area is written."""

from shared.kit.background import BackgroundLoop


class CustomersSync(BackgroundLoop):
    identifier = "support-placeholder-CustomersSync"

    def serve(self):
        while self.running:
            self.sleep(60)
