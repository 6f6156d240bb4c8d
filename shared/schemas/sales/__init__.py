"""Contracts of the sales service, one module per area; importing the
package registers every sales event."""

from shared.schemas.sales import accounts, activities, contacts, conversion, forecast, opportunities  # noqa: F401
