"""Contracts of the campaigns service: one module per area, each with the
schemas of its RPC arguments and results and of the events it publishes."""

from shared.schemas.campaigns import (  # noqa: F401
    attribution,
    campaigns,
    consent,
    figures,
    people,
    responses,
    segments,
    sending,
    templates,
)
