"""Tables of evaluation: the expert pool (`experts`), panels and scores (`panels`), awards and
result challenges (`awards`)."""
