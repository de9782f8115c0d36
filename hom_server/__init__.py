"""HOM central server (FastAPI): the HTTP endpoint every installation syncs with."""

__version__ = "0.1.0"
