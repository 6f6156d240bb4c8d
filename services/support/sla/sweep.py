"""Placeholder until this area is written."""

from shared.kit.background import BackgroundLoop


class SlaSweeper(BackgroundLoop):
    identifier = "support-placeholder-SlaSweeper"

    def serve(self):
        while self.running:
            self.sleep(60)
