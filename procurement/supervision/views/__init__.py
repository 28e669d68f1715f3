"""Site views of supervision: the board (`board`) and public reports (`public_reports`)."""
