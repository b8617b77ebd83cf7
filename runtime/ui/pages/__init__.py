"""App pages, one module per audience (staff, trainer, admin, dashboard)."""
