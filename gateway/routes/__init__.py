"""The gateway's blueprints, registered in this order by the app factory."""

from gateway.routes import (
    accounts,
    activities,
    auth,
    console,
    contacts,
    docs,
    exports,
    forecast,
    health,
    imports,
    leads,
    opportunities,
    search,
    users,
    views_saved,
    web_form,
)

BLUEPRINTS = (health.bp, console.bp, docs.bp, auth.bp, users.bp, leads.bp, imports.bp, web_form.bp, accounts.bp,
              contacts.bp, opportunities.bp, activities.bp, forecast.bp, exports.bp, search.bp, views_saved.bp)
