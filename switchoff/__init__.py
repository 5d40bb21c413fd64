"""switchoff: running a mobile-network switch-off campaign."""
