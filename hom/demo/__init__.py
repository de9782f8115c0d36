"""The demo data set's vocabulary (real place names, plausible products); the loader is
``hom.services.demo``."""
