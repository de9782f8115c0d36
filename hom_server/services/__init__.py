"""The server's own rules (authentication, enrolment, the sync protocol); domain rules stay in
``hom.services`` and are called from here and from the routes, never copied."""
