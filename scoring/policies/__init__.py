"""Policies applied to ratings: inspection draws, 信易贷 lending, rural aggregation."""
