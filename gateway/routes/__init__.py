"""The gateway's blueprints, registered in this order by the app factory."""

from gateway.routes import auth, console, docs, health, imports, leads, users, web_form

BLUEPRINTS = (health.bp, console.bp, docs.bp, auth.bp, users.bp, leads.bp, imports.bp, web_form.bp)
