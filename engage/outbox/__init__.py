"""The transactional outbox: events written with the rows they describe, relayed to arq after commit."""
