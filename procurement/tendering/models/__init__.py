"""Tables of tendering: tenders and what hangs on them (`tenders`), sealed bids and openings (`bids`)."""
