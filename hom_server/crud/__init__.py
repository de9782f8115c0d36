"""SQL for the server-only tables (no rules here: ``hom_server.services`` decides)."""
