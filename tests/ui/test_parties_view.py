"""Parties: distributors and retailers per territory."""

from __future__ import annotations

import pytest

from hom.models.enums import PartyKind
from hom.services import parties
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


def _click_row(qtbot, view: PartiesView, code: str) -> None:
    """Click the table row of party ``code``, as the clerk picks it to edit."""
    from PySide6.QtCore import Qt

    row = view.model.find(lambda r: r.party.code == code)
    assert row >= 0
    rect = view.table.visualRect(view.model.index(row, 0))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def _retype(qtbot, field, text: str) -> None:
    from PySide6.QtCore import Qt

    qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
    qtbot.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(field, text)


def test_editing_a_retailer_keeps_the_link_to_its_inactive_distributor(qtbot, kit, view, geo):
    """The choices list active distributors only: the form must still show the retailer's own
    (marked inactive) and a save that did not touch it must not clear it."""
    from PySide6.QtCore import Qt

    with kit.session() as s:
        dist = parties.create_party(
            s,
            ctx=kit.ctx,
            party_in={
                "kind": "distributor",
                "code": "D1",
                "name": "Sharma",
                "territory_id": geo["N-T1"],
            },
        )
        parties.create_party(
            s,
            ctx=kit.ctx,
            party_in={
                "kind": "retailer",
                "code": "R1",
                "name": "Gupta",
                "territory_id": geo["N-T1"],
                "distributor_id": dist.id,
            },
        )
        parties.set_active(s, ctx=kit.ctx, party_id=dist.id, active=False)
        dist_id = dist.id
    view.refresh()
    _click_row(qtbot, view, "R1")
    assert view.form_title.text() == "Edit R1"
    assert view.distributor.currentText() == "D1 — Sharma (inactive)"
    _retype(qtbot, view.phone, "+91 99999 00000")  # the clerk only fixes the phone number
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    assert view.banner.text() == "Retailer R1 saved."
    saved = _party(kit, "R1")
    assert saved.distributor_id == dist_id
    assert saved.phone.replace(" ", "").endswith("9999900000")
    assert view.distributor.currentText() == "D1 — Sharma (inactive)"  # shown again after save
    view.refresh()  # a reload of the choices (another screen changed parties) keeps it too
    assert view.distributor.currentData() == dist_id
    _click_row(qtbot, view, "D1")  # another party: the inactive one is not offered any more
    assert find_data(view.distributor, dist_id) == -1


def test_editing_a_retailer_of_a_distributor_past_the_choices_keeps_the_link(qtbot, kit, view, geo):
    """Only the first 500 active distributors are offered; the 501st stays linked."""
    from PySide6.QtCore import Qt

    with kit.session() as s:
        ids = [
            parties.create_party(
                s,
                ctx=kit.ctx,
                party_in={
                    "kind": "distributor",
                    "code": f"D{i:03d}",
                    "name": "Dist",
                    "territory_id": geo["N-T1"],
                },
            ).id
            for i in range(501)
        ]
        parties.create_party(
            s,
            ctx=kit.ctx,
            party_in={
                "kind": "retailer",
                "code": "R1",
                "name": "Gupta",
                "territory_id": geo["N-T1"],
                "distributor_id": ids[-1],
            },
        )
    view.refresh()
    view.kind_filter.setCurrentIndex(find_data(view.kind_filter, PartyKind.RETAILER))
    _click_row(qtbot, view, "R1")
    assert view.distributor.currentText() == "D500 — Dist"
    _retype(qtbot, view.name, "Gupta & sons")
    qtbot.mouseClick(view.save_button, Qt.MouseButton.LeftButton)
    saved = _party(kit, "R1")
    assert saved.name == "Gupta & sons" and saved.distributor_id == ids[-1]
