"""Global search over accounts, contacts and opportunities (GET /api/v1/search
asks this service for its kinds)."""
