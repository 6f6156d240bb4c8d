"""consent.changed: a withdrawn or granted marketing-email consent marks the
contacts with that address do-not-email (or clears it), through the inbox."""


class ConsentEvents:
    """Mixin of SalesService (which provides ``self.db``)."""
