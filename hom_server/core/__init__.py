"""The server's infrastructure: settings, database and migrations, security."""
