"""Every write of tendering; one module per subject, one function per state change."""
