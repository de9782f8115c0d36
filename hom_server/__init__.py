"""HOM central sync server (FastAPI)."""
