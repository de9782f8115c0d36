"""The main window: navigation by permission, status bar, menus and shortcuts, remembered state."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from hom.crud import site as site_crud
from hom.services import reports, users
from hom_desktop.ui.app import app_settings
from hom_desktop.ui.main_window import MainWindow
from tests.ui.conftest import drain, make_session
from tests.ui.helpers import stocked_products
from tests.utils.builders import context_with


def _window(qtbot, session) -> MainWindow:
    window = MainWindow(session, app_settings())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def _nav_keys(window: MainWindow) -> list[str]:
    return [window.nav.item(i).data(Qt.ItemDataRole.UserRole) for i in range(window.nav.count())]


def test_an_admin_sees_every_view(qtbot, app_session):
    window = _window(qtbot, app_session)
    assert _nav_keys(window) == [
        "dashboards",
        "orders",
        "inventory",
        "production",
        "products",
        "parties",
        "geography",
        "users",
        "tools",
        "sync",
    ]
    assert window.current_key == "dashboards"  # the first view on a first sign-in


def test_a_clerk_sees_only_what_the_role_allows(qtbot, kit, prompt_log):
    with kit.session() as s:
        role = users.list_roles(s)
        clerk = next(r for r in role if r.name == "depot clerk")
        codes = [p.code for p in clerk.permissions]
    ctx = context_with(kit.ctx, *codes, username="clerk")
    window = _window(qtbot, make_session(kit, ctx))
    assert _nav_keys(window) == ["orders", "inventory", "products", "parties", "tools", "sync"]
    assert "users" not in window.go_actions and "geography" not in window.go_actions
    drain()


def test_status_bar_shows_user_site_connection_and_pending_sync(qtbot, kit, app_session):
    with kit.store.reader() as s:
        set_up = reports.pending_sync_count(s)  # the store's site, location and first admin
    stocked_products(kit, [5, 6])
    window = _window(qtbot, app_session)
    bar = window.status
    with kit.store.reader() as s:
        pending = reports.pending_sync_count(s)
    assert pending == set_up + 2
    assert bar.user.text().startswith("admin")
    assert bar.site.text() == "DEP01 · DEP01 site"
    assert bar.connection.text() == "Not enrolled (works alone)"
    assert bar.pending.text() == f"{set_up + 2} waiting to sync"
    assert bar.last_sync.text() == "Last sync: never"
    stocked_products(kit, [1])
    app_session.notify("stock")  # a write anywhere refreshes the count
    assert bar.pending.text() == f"{set_up + 3} waiting to sync"


def test_a_demo_store_says_it_never_syncs_instead_of_counting_waiting_changes(
    qtbot, kit, app_session
):
    with kit.store.transaction() as s:
        site_crud.get_installation(s).is_demo = True  # what the demo loader's store carries
    stocked_products(kit, [5])
    bar = _window(qtbot, app_session).status
    assert bar.connection.text() == "Demo store (never syncs)"
    assert bar.pending.isHidden() and bar.last_sync.isHidden()


def test_keyboard_shortcuts_switch_views_and_menus_list_them(qtbot, app_session):
    window = _window(qtbot, app_session)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    qtbot.keyClick(window, Qt.Key.Key_8, Qt.KeyboardModifier.ControlModifier)
    assert window.current_key == "users"
    qtbot.keyClick(window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    assert window.current_key == "products"
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["&File", "&Go", "&Actions", "&Help"]
    actions = [a.text() for a in window.actions_menu.actions()]
    assert "Ne&w product" in actions and "&Import CSV…" in actions
    keys = {a.text(): a.shortcut().toString() for a in window.actions_menu.actions()}
    assert keys["Ne&w product"] == "Ctrl+N"


def test_geometry_and_last_view_are_remembered(qtbot, app_session, qsettings_dir):
    window = _window(qtbot, app_session)
    window.resize(780, 560)  # within the offscreen screen (800 x 600)
    window.show_view("geography")
    window.close()
    settings = QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, "HOM", "HOM Desktop"
    )
    assert settings.value("main/admin/last_view") == "geography"
    assert str(qsettings_dir) in settings.fileName()  # never the user's real settings

    again = _window(qtbot, app_session)
    assert again.current_key == "geography"
    assert (again.width(), again.height()) == (780, 560)


def test_views_are_made_when_first_opened(qtbot, app_session):
    window = _window(qtbot, app_session)
    assert set(window.views) == {"dashboards"}
    window.show_view("parties")
    assert set(window.views) == {"dashboards", "parties"}


def test_opening_every_view_leaves_nothing_unsaved_so_closing_asks_nothing(
    qtbot, app_session, prompt_log
):
    """Filling a form's choices when a view opens is not typing: closing right after must not
    ask "Discard what you typed?" (the parties form did, and the headless smoke run hung on it)."""
    window = _window(qtbot, app_session)
    for key in _nav_keys(window):
        window.show_view(key)
        drain()
    assert [k for k, v in window.views.items() if v.unsaved_changes()] == []
    window.close()
    assert prompt_log.texts("confirm") == []
