"""The sync run itself (handshake, register, push, pull, check): being built in the next
commits; ``api`` is the stable surface."""

from __future__ import annotations


def run(engine, *, progress, cancelled):  # pragma: no cover - replaced in the next commit
    raise NotImplementedError("the sync run lands in the next commit")


def watch(engine, *, stop, on_report, progress):  # pragma: no cover
    raise NotImplementedError("the sync run lands in the next commit")
