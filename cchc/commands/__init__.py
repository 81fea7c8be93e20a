"""Subcommands of ``cchc``; each module has ``register(subparsers)``."""
