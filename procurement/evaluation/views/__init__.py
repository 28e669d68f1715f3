"""Site views of evaluation: the officers' lot page and bidders' results (`evaluation`), the experts'
seats and profile (`experts`)."""
