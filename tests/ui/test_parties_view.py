"""Parties: distributors and retailers per territory."""

from __future__ import annotations

import pytest

from hom_desktop.models.enums import PartyKind
from hom_desktop.services import parties
from hom_desktop.ui.forms import find_data
from hom_desktop.ui.parties import PartiesView
from tests.ui.helpers import geo_chain


@pytest.fixture
def geo(kit):
    return {**geo_chain(kit, "N", territories=2), **geo_chain(kit, "S")}


@pytest.fixture
def view(qtbot, app_session, geo) -> PartiesView:
    v = PartiesView(app_session)
    qtbot.addWidget(v)
    v.resize(1200, 650)
    v.show()
    return v


def _party(kit, code: str):
    with kit.store.reader() as s:
        return parties.to_public(parties.get_party_by_code(s, code))


def _fill(qtbot, view: PartiesView, kind: PartyKind, code: str, name: str, territory) -> None:
    view.new_party()
    view.kind.setCurrentIndex(find_data(view.kind, kind))
    qtbot.keyClicks(view.code, code)
    qtbot.keyClicks(view.name, name)
    view.territory.setCurrentIndex(find_data(view.territory, territory))


def test_create_a_distributor_and_its_retailer(qtbot, kit, view, geo, qtmodeltester):
    _fill(qtbot, view, PartyKind.DISTRIBUTOR, "dist-01", "Sharma Traders", geo["N-T1"])
    qtbot.keyClicks(view.phone, "+91 98220 12345")
    assert view.save()
    dist = _party(kit, "DIST-01")
    assert dist.kind == PartyKind.DISTRIBUTOR and dist.territory_id == geo["N-T1"]
    assert find_data(view.distributor, dist.id) > 0  # now offered to retailers

    _fill(qtbot, view, PartyKind.RETAILER, "RET-01", "Gupta Stores", geo["N-T2"])
    assert view.distributor.isEnabled()
    view.distributor.setCurrentIndex(find_data(view.distributor, dist.id))
    assert view.save()
    ret = _party(kit, "RET-01")
    assert ret.distributor_id == dist.id
    rows = view.model.rows()
    assert [(r.party.code, r.territory, r.distributor) for r in rows] == [
        ("DIST-01", "N territory 1 (N-T1)", ""),
        ("RET-01", "N territory 2 (N-T2)", "DIST-01 — Sharma Traders"),
    ]
    qtmodeltester.check(view.model)


def test_refusals_are_shown_beside_the_field(qtbot, kit, view, geo):
    _fill(qtbot, view, PartyKind.DISTRIBUTOR, "D-1", "First", geo["N-T1"])
    assert view.save()
    _fill(qtbot, view, PartyKind.DISTRIBUTOR, "D-1", "Second", geo["N-T1"])
    assert not view.save()
    assert view.form.errors.error_text("code") == "party code D-1 is already used"
    view.code.clear()
    qtbot.keyClicks(view.code, "D-2")
    view.territory.setCurrentIndex(0)
    assert not view.save()
    assert view.form.errors.error_text("territory_id") == "choose a territory"
    view.territory.setCurrentIndex(find_data(view.territory, geo["N-T1"]))
    qtbot.keyClicks(view.phone, "call me")
    assert not view.save()
    assert "digits" in view.form.errors.error_text("phone")
    assert view.name.text() == "Second"
    with kit.store.reader() as s:
        assert parties.count_parties(s) == 1


def test_retailer_cannot_take_an_inactive_distributor(qtbot, kit, view, geo):
    _fill(qtbot, view, PartyKind.DISTRIBUTOR, "D-9", "Sleepy", geo["N-T1"])
    view.active.setChecked(False)
    assert view.save()
    dist = _party(kit, "D-9")
    view._reload_choices()
    _fill(qtbot, view, PartyKind.RETAILER, "R-9", "Shop", geo["N-T1"])
    # Inactive distributors are not offered; one offered earlier and deactivated is refused.
    assert find_data(view.distributor, dist.id) == -1


def test_filter_by_territory_kind_and_search(qtbot, kit, view, geo):
    with kit.session() as s:
        for code, kind, terr in (
            ("DN", "distributor", "N-T1"),
            ("RN", "retailer", "N-T2"),
            ("RS", "retailer", "S-T1"),
        ):
            parties.create_party(
                s,
                ctx=kit.ctx,
                party_in={
                    "kind": kind,
                    "code": code,
                    "name": f"Party {code}",
                    "territory_id": geo[terr],
                },
            )
    view.refresh()
    codes = lambda: [r.party.code for r in view.model.rows()]  # noqa: E731
    assert codes() == ["DN", "RN", "RS"]
    view.territory_filter.setCurrentIndex(find_data(view.territory_filter, geo["N-ZON"]))
    assert codes() == ["DN", "RN"]  # a zone shows everything below it
    view.kind_filter.setCurrentIndex(find_data(view.kind_filter, PartyKind.RETAILER))
    assert codes() == ["RN"]
    view.territory_filter.setCurrentIndex(0)
    qtbot.keyClicks(view.search, "rs")
    qtbot.waitUntil(lambda: codes() == ["RS"], timeout=2000)
    assert view.count_label.text() == "1 parties" or view.count_label.text() == "1 party"


def test_editing_keeps_the_kind(qtbot, kit, view, geo):
    _fill(qtbot, view, PartyKind.RETAILER, "R-1", "Corner shop", geo["S-T1"])
    assert view.save()
    view.table.selectRow(0)
    assert not view.kind.isEnabled()
    view.name.clear()
    qtbot.keyClicks(view.name, "Corner shop & sons")
    view.territory.setCurrentIndex(find_data(view.territory, geo["N-T1"]))
    assert view.save()
    saved = _party(kit, "R-1")
    assert saved.name == "Corner shop & sons" and saved.territory_id == geo["N-T1"]
    assert saved.kind == PartyKind.RETAILER


def test_csv_import_previews_and_refuses_a_bad_row(qtbot, kit, view, geo, tmp_path, prompt_log):
    from PySide6.QtCore import Qt

    path = tmp_path / "parties.csv"
    path.write_text(
        "kind,code,name,territory_code,distributor_code,phone,address,active\n"
        "distributor,D-10,Ten Traders,N-T1,,,,true\n"
        "retailer,R-10,Ten Shop,N-T2,D-10,,,true\n"
        "retailer,R-11,Lost Shop,N-ZON,D-10,,,true\n",
        encoding="utf-8",
    )
    prompt_log.answers.append(str(path))
    dialog = view.open_import()
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.choose_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=5000)
    assert [r.line for r in dialog.preview.bad_rows] == [4]
    assert "not a territory" in str(dialog.preview.bad_rows[0].error)
    assert not dialog.import_button.isEnabled()
    with kit.store.reader() as s:
        assert parties.count_parties(s) == 0
