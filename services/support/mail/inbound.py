"""Placeholder until this area is written."""

from shared.kit.background import BackgroundLoop


class MailPoller(BackgroundLoop):
    identifier = "support-placeholder-MailPoller"

    def serve(self):
        while self.running:
            self.sleep(60)
