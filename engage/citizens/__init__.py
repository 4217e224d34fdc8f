"""What a citizen can do with their own words, given only their reference and withdrawal code."""
