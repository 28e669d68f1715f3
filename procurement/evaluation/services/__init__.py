"""Every write of evaluation; one module per subject, one function per state change."""
