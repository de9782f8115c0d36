"""The demo data set's vocabulary (real place names, plausible products); the loader is
``hom_desktop.services.demo``."""
