"""The durable queue: Huey carries job ids (SQLite storage by default, Redis for scale); workers run them."""
