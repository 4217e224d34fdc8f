"""Paper forms printed for an event, each with its own reference and withdrawal code."""
