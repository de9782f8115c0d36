"""CSV import and export of parties: rows keyed by code, a retailer naming its distributor.

The preview simulates the parties as the earlier rows would leave them, so a retailer may name
a distributor defined on an earlier line (never a later one).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from hom.core.errors import DomainError
from hom.crud import geography as geo_crud
from hom.crud import party as party_crud
from hom.models.enums import PartyKind
from hom.schemas.party import PartyCreate
from hom.services import geography, parties
from hom.services.context import ActorContext
from hom.services.csv_io.common import (
    RowPreview,
    _at_line,
    _bool,
    _cell,
    _check_rows,
    _code,
    _create_in_batches,
    _diff,
    _later_lines,
    _refused,
    _require,
    _RowRefused,
    _validated,
)

_PARTY_RENAMES = {"territory_id": "territory_code", "distributor_id": "distributor_code"}


@dataclass
class _SimParty:
    kind: PartyKind
    active: bool
    line: int | None = None


def _preview_parties(
    session: Session, records: list[tuple[int, dict[str, str]]]
) -> list[RowPreview]:
    codes = {raw[c].strip().upper() for _l, raw in records for c in ("code", "distributor_code")}
    existing = party_crud.get_by_codes(session, (c for c in codes if c))
    current_distributors = party_crud.get_many(
        session, (p.distributor_id for p in existing.values() if p.distributor_id)
    )
    territories = geo_crud.refs_by_codes(
        session, {raw["territory_code"].strip().upper() for _l, raw in records}
    )
    territory_codes = {node.id: code for code, node in territories.items()}
    missing_territories = {p.territory_id for p in existing.values()} - set(territory_codes)
    territory_codes.update(
        {i: n.code for i, n in geo_crud.refs_by_ids(session, missing_territories).items()}
    )
    state: dict[str, _SimParty] = {c: _SimParty(p.kind, p.active) for c, p in existing.items()}
    state.update(
        {
            p.code: _SimParty(p.kind, p.active)
            for p in current_distributors.values()
            if p.code not in state
        }
    )
    current_values: dict[str, dict[str, Any]] = {
        code: {
            "name": p.name,
            "territory_code": territory_codes.get(p.territory_id),
            "distributor_code": (
                current_distributors[p.distributor_id].code if p.distributor_id else None
            ),
            "phone": p.phone,
            "address": p.address,
            "active": p.active,
            "gstin": p.gstin,
        }
        for code, p in existing.items()
    }
    defined_at = _later_lines(records, "code")
    from_file: dict[str, int] = {}
    bad_lines: dict[str, int] = {}
    state_of: dict[uuid.UUID, str | None] = {}  # territory -> its state's name, as looked up

    def check(row: RowPreview) -> None:
        raw = row.raw
        row.key = raw["code"].upper()
        try:
            _require(raw, "parties")
            kind_text = raw["kind"].lower()
            if kind_text not in {k.value for k in PartyKind}:
                raise _RowRefused("kind", f"must be distributor or retailer, not {raw['kind']!r}")
            kind = PartyKind(kind_text)
            territory_code = _code(raw, "territory_code")
            territory = territories.get(territory_code or "")
            if territory is None:
                raise _RowRefused("territory_code", f"unknown territory code {territory_code}")
            active = _bool(raw, "active")
            data = _validated(
                PartyCreate,
                {
                    "kind": kind,
                    "code": raw["code"],
                    "name": raw["name"],
                    "territory_id": territory.id,
                    "phone": raw["phone"],
                    "address": raw["address"],
                    "active": True if active is None else active,
                    "gstin": raw.get("gstin", ""),
                },
                _PARTY_RENAMES,
            )
        except _RowRefused:
            bad_lines.setdefault(row.key, row.line)
            raise
        code = data.code
        row.key = code
        try:
            if code in from_file:
                raise _RowRefused("code", f"code {code} is already on line {from_file[code]}")
            try:
                parties.check_territory(
                    level=territory.level,
                    label=f"{territory.code} ({territory.name})",
                    field="territory_code",
                )
                if data.gstin:
                    if territory.id not in state_of:
                        state_of.update(geography.state_names(session, [territory.id]))
                    parties.check_gstin_state(gstin=data.gstin, state=state_of[territory.id])
            except DomainError as exc:
                raise _refused(exc) from None
            known = state.get(code)
            if known is not None and known.kind != kind:
                raise _RowRefused(
                    "kind",
                    f"{code} is a {known.kind.value}; a party's kind cannot change",
                )
            distributor_code = _code(raw, "distributor_code")
            values = {
                "kind": kind,
                "code": code,
                "name": data.name,
                "territory_code": territory.code,
                "distributor_code": distributor_code,
                "phone": data.phone,
                "address": data.address,
                "active": data.active,
                "gstin": data.gstin,
            }
            current = current_values.get(code) if known is not None and known.line is None else None
            if "gstin" not in raw and current is not None:  # a file without the column keeps it
                values["gstin"] = current["gstin"]
            changed_link = current is None or current["distributor_code"] != distributor_code
            if distributor_code is not None and changed_link:
                if distributor_code == code:
                    distributor: _SimParty | None = _SimParty(kind, data.active)
                else:
                    distributor = state.get(distributor_code)
                if distributor is None and kind == PartyKind.RETAILER:
                    if distributor_code in bad_lines:
                        raise _RowRefused(
                            "distributor_code",
                            f"distributor {distributor_code} is on line "
                            f"{bad_lines[distributor_code]}, which has an error",
                        )
                    if distributor_code in defined_at:
                        raise _RowRefused(
                            "distributor_code",
                            f"distributor {distributor_code} is defined later, on line "
                            f"{defined_at[distributor_code]}; list distributors before "
                            "their retailers",
                        )
                    raise _RowRefused(
                        "distributor_code", f"unknown distributor code {distributor_code}"
                    )
                try:
                    parties.check_distributor_link(
                        kind=kind,
                        distributor_kind=distributor.kind if distributor else None,
                        distributor_active=distributor.active if distributor else False,
                        distributor_label=distributor_code,
                        field="distributor_code",
                    )
                except DomainError as exc:
                    raise _refused(exc) from None
            row.values = values
            if current is None:
                row.action = "create"
                state[code] = _SimParty(kind, data.active, row.line)
            else:
                row.changes = _diff(current, {k: values[k] for k in current})
                row.action = "update" if row.changes else "unchanged"
                known.active = data.active
            from_file[code] = row.line
        except _RowRefused:
            bad_lines.setdefault(code, row.line)
            raise

    return _check_rows(records, check)


def _apply_parties(
    session: Session, ctx: ActorContext, rows: list[RowPreview], check: Callable[[], None]
) -> list[str]:
    """Rows in file order: runs of new parties in bulk (``parties.create_parties``, up to
    ``BATCH`` at a time), a changed party through ``update_party``."""
    codes = {r.values["code"] for r in rows} | {
        r.values["distributor_code"] for r in rows if r.values["distributor_code"]
    }
    known = party_crud.get_by_codes(session, codes)
    id_of = {code: p.id for code, p in known.items()}
    territories = geo_crud.refs_by_codes(session, {r.values["territory_code"] for r in rows})

    def territory_id(code: str) -> uuid.UUID:
        if code not in territories:
            raise DomainError(f"unknown territory code {code}", field="territory_code")
        return territories[code].id

    def distributor_id(code: str | None) -> uuid.UUID | None:
        if code is None:
            return None
        if code not in id_of:
            raise DomainError(f"unknown distributor code {code}", field="distributor_code")
        return id_of[code]

    def wanted(values: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": values["name"],
            "territory_id": territory_id(values["territory_code"]),
            "distributor_id": distributor_id(values["distributor_code"]),
            "phone": values["phone"],
            "address": values["address"],
            "active": values["active"],
            "gstin": values["gstin"],
        }

    creates: list[RowPreview] = []

    def write_creates() -> None:
        _create_in_batches(
            creates,
            check=check,
            item=lambda values: {"kind": values["kind"], "code": values["code"], **wanted(values)},
            write=lambda items: parties.create_parties(session, ctx=ctx, parties_in=items),
            renames=_PARTY_RENAMES,
            id_of=id_of,
        )

    outcomes: list[str] = []
    for row in rows:
        check()
        values = row.values
        if row.action == "create":
            creates.append(row)
            outcomes.append("create")
            continue
        write_creates()  # the rows above first: this one may refer to them
        with _at_line(row.line, _PARTY_RENAMES):
            party = known.get(values["code"])
            if party is None:
                raise DomainError(f"{values['code']} no longer exists", field="code")
            if party.kind != values["kind"]:
                raise DomainError(
                    f"{party.code} is a {party.kind.value}; a party's kind cannot change",
                    field="kind",
                )
            changes = {k: v for k, v in wanted(values).items() if getattr(party, k) != v}
            if changes:
                parties.update_party(session, ctx=ctx, party_id=party.id, party_in=changes)
            outcomes.append("update" if changes else "unchanged")
    write_creates()
    return outcomes


def _export_parties(session: Session, check: Callable[[], None]) -> Iterator[list[str]]:
    """Every party as a row, distributors before retailers; ``check`` is asked before each row."""
    for party, territory_code, distributor_code in party_crud.export_rows(session):
        check()
        yield [
            _cell(party.kind),
            party.code,
            party.name,
            territory_code,
            _cell(distributor_code),
            party.phone,
            party.address,
            _cell(party.active),
            party.gstin,
        ]
