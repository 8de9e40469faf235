"""apij: the safe face over the generated APIJ client, the CNAM double and the CLI."""
