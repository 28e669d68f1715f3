"""Tables of contracts: contracts and their parts (`contracts`), performance evaluation (`performance`)."""
