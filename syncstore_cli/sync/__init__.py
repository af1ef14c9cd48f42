"""The sync engine: plan (desired vs last known), apply, the create protocol, read-back."""
