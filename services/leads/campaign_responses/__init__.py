"""Campaign responses become leads, or credit a known lead's engagement (campaign.response_recorded)."""
