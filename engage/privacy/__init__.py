"""Privacy: the one visibility rule for citizens' words, retention, and what the privacy notice says."""
