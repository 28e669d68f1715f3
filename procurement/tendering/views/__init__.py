"""Site views of tendering: questions and call documents (`calls`), sealed bids (`bids`), challenges
to the call (`challenges`)."""
