"""Operations: health, the workers' heartbeat, log lines, metrics, errors to Sentry, backups of the storages.

Nothing here is about the campaign; it is what running switchoff on several machines needs.
"""
