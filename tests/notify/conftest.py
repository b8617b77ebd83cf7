"""The local servers as fixtures for this directory."""

from tests.notify.servers import smtp_server, webhook_server

__all__ = ["smtp_server", "webhook_server"]
