"""Report pages built from results."""
