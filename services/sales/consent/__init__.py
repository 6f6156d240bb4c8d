"""Sales follows the campaigns service's consent decisions (consent.changed) on its contacts."""
