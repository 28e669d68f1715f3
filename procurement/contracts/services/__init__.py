"""Every write of contracts; one module per subject, one function per state change."""
