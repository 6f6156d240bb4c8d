"""Placeholder until this area is written."""

from shared.kit.background import BackgroundLoop


class MailSender(BackgroundLoop):
    identifier = "support-placeholder-MailSender"

    def serve(self):
        while self.running:
            self.sleep(60)
