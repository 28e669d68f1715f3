"""Purchase of social services (政府购买服务): one Django app in five rooms, planning ← tendering ←
evaluation ← contracts ← supervision. See procurement/README.md."""
