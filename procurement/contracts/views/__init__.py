"""Site views of contracts: contract pages and officer actions (`contracts`), the officer's drafting
and ending screens (`drafting`), performance evaluation and the survey (`performance`)."""
