"""The gateway's blueprints, registered in this order by the app factory."""

from gateway.routes import (
    accounts,
    activities,
    auth,
    catalog,
    console,
    contacts,
    customer_value,
    docs,
    exports,
    forecast,
    health,
    imports,
    invoicing,
    leads,
    opportunities,
    orders,
    quotes,
    returns,
    search,
    users,
    views_saved,
    web_form,
)

BLUEPRINTS = (health.bp, console.bp, docs.bp, auth.bp, users.bp, leads.bp, imports.bp, web_form.bp, accounts.bp,
              contacts.bp, opportunities.bp, activities.bp, forecast.bp, exports.bp, search.bp, views_saved.bp,
              catalog.bp, customer_value.bp, orders.bp, returns.bp, quotes.bp, invoicing.bp)
