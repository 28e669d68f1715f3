"""Every write of supervision: the lights' daily snapshot and escalation, public reports."""
