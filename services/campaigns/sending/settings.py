"""The sending area's settings, read from the service's config."""

from dataclasses import dataclass

from shared.kit.mail import SmtpSettings


@dataclass(frozen=True)
class SendSettings:
    from_address: str
    from_name: str
    smtp: SmtpSettings | None  # None: no SMTP_HOST, nothing is sent
    rate: float  # emails per second per sender
    poll_seconds: float
    cap: int  # FREQUENCY_CAP; 0: none
    cap_days: int
    retry_limit: int
    retry_seconds: float
    retry_max_seconds: float
    lease_seconds: float


def from_config(config):
    try:
        smtp = SmtpSettings.from_config(config) if config.get("SMTP_HOST") else None
    except ValueError:
        smtp = None
    timeout = smtp.timeout if smtp is not None else 30.0
    return SendSettings(
        from_address=str(config.get("MARKETING_ADDRESS") or "news@crm.local").strip().lower(),
        from_name=str(config.get("MARKETING_NAME") or "CRM Marketing"),
        smtp=smtp,
        rate=float(config.get("SEND_RATE") or 50),
        poll_seconds=float(config.get("SEND_POLL_SECONDS") or 1),
        cap=int(config.get("FREQUENCY_CAP") or 0),
        cap_days=int(config.get("FREQUENCY_CAP_DAYS") or 7),
        retry_limit=int(config.get("MAIL_RETRY_LIMIT") or 6),
        retry_seconds=float(config.get("MAIL_RETRY_SECONDS") or 60),
        retry_max_seconds=float(config.get("MAIL_RETRY_MAX_SECONDS") or 3600),
        # longer than any SMTP conversation can take (its timeout covers each step)
        lease_seconds=float(config.get("MAIL_SEND_LEASE_SECONDS") or 4 * timeout),
    )
