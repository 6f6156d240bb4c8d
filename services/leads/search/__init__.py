"""Global search over leads (GET /api/v1/search asks this service for its kind)."""
