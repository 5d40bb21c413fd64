"""Plain helpers that are not Django apps."""
