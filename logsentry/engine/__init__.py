"""Detection: entry -> hits (detector), hits -> incidents (window), incidents -> actions (policy)."""
