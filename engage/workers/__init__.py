"""arq tasks: thin adapters that own the transaction of each job and call services."""
