"""The mail area's settings, read once from the service's config.

The queueing functions are called by other areas inside their own
transactions (an agent's reply, an escalation's notification) without the
config at hand, so the area keeps its settings here: ``configure(config)``
runs when the container sets up its mail loops; before that (a script, a
unit test) the component's config.yaml with the environment is used."""

from dataclasses import dataclass

from shared.kit.mail import SmtpSettings

_current = None


@dataclass(frozen=True)
class MailSettings:
    support_address: str
    support_name: str
    smtp: SmtpSettings | None
    retry_limit: int  # attempts before a temporarily failing mail is given up
    retry_seconds: float  # the first pause; each next one doubles, up to retry_max_seconds
    retry_max_seconds: float

    @property
    def own_addresses(self):
        return {self.support_address.lower()}


def from_config(config):
    try:
        smtp = SmtpSettings.from_config(config) if config.get("SMTP_HOST") else None
    except ValueError:
        smtp = None
    return MailSettings(
        support_address=str(config.get("SUPPORT_ADDRESS") or "support@crm.local").strip().lower(),
        support_name=str(config.get("SUPPORT_NAME") or "Customer support"),
        smtp=smtp,
        retry_limit=int(config.get("MAIL_RETRY_LIMIT") or 8),
        retry_seconds=float(config.get("MAIL_RETRY_SECONDS") or 60),
        retry_max_seconds=float(config.get("MAIL_RETRY_MAX_SECONDS") or 6 * 3600),
    )


def configure(config):
    global _current
    _current = from_config(config)
    return _current


def current():
    global _current
    if _current is None:
        from shared.kit.config import load_component_config

        _current = from_config(load_component_config("support"))
    return _current


def retry_pause(settings, attempts):
    """Seconds before the next attempt after ``attempts`` failed ones: 1, 2, 4, ... times the first pause."""
    return min(settings.retry_seconds * 2 ** max(attempts - 1, 0), settings.retry_max_seconds)
