"""What staff do at the terminal, without any UI: lookup, counter sales, status. No textual here."""
