"""Infrastructure shared by every layer: settings, database engine, security, errors, ids, time."""
