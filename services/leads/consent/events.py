"""consent.changed: a withdrawn or granted marketing-email consent marks the
leads with that address do-not-email (or clears it), through the inbox."""


class ConsentEvents:
    """Mixin of LeadsService (which provides ``self.db``)."""
