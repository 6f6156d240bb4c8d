"""What happens to one marketing email, decided from the state at send time.

Pure rules, no database: the sender gathers the facts in the transaction
that records the decision (under the address's advisory lock) and asks
``decide``; the first reason found wins, in the order of ``REASONS``."""

from dataclasses import dataclass

# Why a recipient was not mailed, most fundamental first.
REASONS = ("cancelled", "no_address", "inactive", "do_not_email", "suppressed", "no_consent", "withdrawn",
           "pending_confirmation", "duplicate_address", "frequency_cap")


@dataclass(frozen=True)
class Facts:
    """What the sender knows about one recipient now."""

    email_norm: str | None
    active: bool
    do_not_email: bool
    suppressed: bool
    consent: tuple  # (allowed, reason) as consent.checks.can_email answers
    recent: int  # this address's marketing emails sending / sent / unknown within the cap's window
    cap: int  # FREQUENCY_CAP; 0: no cap
    duplicate: bool = False  # this send already mails this address (another record with the same address)
    cancelled: bool = False


@dataclass(frozen=True)
class Decision:
    send: bool
    reason: str | None = None


def decide(facts):
    """``Decision(True)`` to mail, else ``Decision(False, reason)``."""
    if facts.cancelled:
        return Decision(False, "cancelled")
    if not facts.email_norm:
        return Decision(False, "no_address")
    if not facts.active:
        return Decision(False, "inactive")
    if facts.do_not_email:
        return Decision(False, "do_not_email")
    if facts.suppressed:
        return Decision(False, "suppressed")
    allowed, reason = facts.consent
    if not allowed:
        return Decision(False, reason if reason in REASONS else "no_consent")
    if facts.duplicate:
        return Decision(False, "duplicate_address")
    if facts.cap > 0 and facts.recent >= facts.cap:
        return Decision(False, "frequency_cap")
    return Decision(True)


def retry_pause(attempts, first_seconds, max_seconds):
    """Seconds before the next attempt after ``attempts`` failed ones:
    the first pause, then twice as long each time, at most ``max_seconds``."""
    return min(first_seconds * 2 ** max(attempts - 1, 0), max_seconds)


def outcome(kind, attempts, retry_limit):
    """The recipient's status after an SMTP attempt (``attempts`` counting
    this one): ``kind`` is ``sent``, ``temporary`` or ``permanent``."""
    if kind == "sent":
        return "sent"
    if kind == "permanent":
        return "bounced"
    return "failed" if attempts >= retry_limit else "queued"
