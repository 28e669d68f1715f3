"""Contracts: contracts, amendments, targets, milestones, payments, progress reports, performance
evaluation and the beneficiary survey."""
