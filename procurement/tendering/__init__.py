"""Tendering: calls (tenders, lots, scoring sheets, documents), clarifications, amendments,
suspension, challenges to the call, sealed bids, closing and opening."""
