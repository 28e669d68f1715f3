"""Planning: purchasing plans, budget lines and their arithmetic, purchase intentions, methods."""
