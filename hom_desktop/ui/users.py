"""Users and roles, for administrators: list, create, assign roles, reset a password, unlock.

Every action is one call of ``services.users`` in one transaction; the service checks
``users.manage`` and the rules (unique username, password length, known roles).
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QGroupBox,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from hom.core.clock import to_local, utcnow
from hom.core.errors import DomainError, ValidationFailed
from hom.schemas.user import UserPublic
from hom.services import sites, users
from hom_desktop.ui import formats, prompts
from hom_desktop.ui.base import AppSession, BaseView, button_for, hbox, search_field
from hom_desktop.ui.forms import EnterMovesFocus, Form, GuardedDialog, debounce, label
from hom_desktop.ui.table_model import Column, PagedTableModel, make_table, offset_pager


def _status(u: UserPublic) -> str:
    if not u.active:
        return "Inactive"
    if u.locked_until is not None and u.locked_until > utcnow():
        return f"Locked until {to_local(u.locked_until).strftime('%H:%M')}"
    return "Active"


USER_COLUMNS = [
    Column("Username", lambda u: u.username, width_chars=16),
    Column("Full name", lambda u: u.full_name, width_chars=24),
    Column("Roles", lambda u: ", ".join(u.role_names), width_chars=24),
    Column("Status", _status, width_chars=18),
    Column(
        "Last sign-in",
        lambda u: formats.moment(u.last_login_at) if u.last_login_at else "never",
        width_chars=16,
    ),
]


class UsersView(BaseView):
    key = "users"
    title = "Users and roles"
    icon_name = "users"
    permissions = frozenset({"users.manage"})
    watches = frozenset({"users"})

    def __init__(self, app: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(app, parent)
        self.new_action = self.action("&New user…", self.open_new, icon="add", shortcut="Ctrl+N")
        self.edit_action = self.action(
            "&Edit roles…", self.open_edit, icon="roles", shortcut="Ctrl+E"
        )
        self.reset_action = self.action(
            "&Reset password…", self.open_reset, icon="key", shortcut="Ctrl+R"
        )
        self.unlock_action = self.action("&Unlock", self.unlock, icon="unlock", shortcut="Ctrl+U")
        self.find_action = self.action(
            "&Find user", self.focus_first, icon="search", shortcut="Ctrl+F"
        )

        layout = self.page_layout("Users and roles")
        self.search = search_field("user-search", "Search username or name…", width_chars=28)
        layout.addLayout(
            hbox(
                self.search,
                None,
                button_for(self.new_action, primary=True),
                button_for(self.edit_action),
                button_for(self.reset_action),
                button_for(self.unlock_action),
            )
        )
        self.model = PagedTableModel(USER_COLUMNS)
        self.table = make_table(self.model, object_name="users-table")
        self.table.doubleClicked.connect(lambda _i: self.open_edit())
        layout.addWidget(self.table, 1)
        self._timer = debounce(self, 150, self.refresh)
        self.search.textEdited.connect(lambda _t: self._timer.start())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self.model.modelReset.connect(self._selection_changed)
        self.refresh()

    def refresh(self) -> None:
        super().refresh()
        search = self.search.text().strip()
        store = self.app.store

        def read(offset: int, limit: int, _sort: str | None, _desc: bool) -> list[UserPublic]:
            with store.reader() as s:
                return [
                    users.to_public(u)
                    for u in users.list_users(s, search=search, limit=limit, offset=offset)
                ]

        self.model.set_fetch(offset_pager(read))

    def focus_first(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def selected(self) -> UserPublic | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def select_username(self, username: str) -> bool:
        row = self.model.find(lambda u: u.username.lower() == username.lower())
        if row >= 0:
            self.table.selectRow(row)
        return row >= 0

    def _selection_changed(self) -> None:
        user = self.selected()
        for act in (self.edit_action, self.reset_action):
            act.setEnabled(user is not None)
        self.unlock_action.setEnabled(user is not None and user.locked_until is not None)

    def _after_save(self, text: str, username: str) -> None:
        self.say(text)
        self.app.notify("users")
        self.refresh()
        self.select_username(username)

    def open_new(self) -> UserDialog:
        dialog = UserDialog(self.app, self)
        dialog.saved.connect(self._after_save)
        return self.open_dialog(dialog)

    def open_edit(self) -> UserDialog | None:
        user = self.selected()
        if user is None:
            return None
        dialog = UserDialog(self.app, self, user=user)
        dialog.saved.connect(self._after_save)
        return self.open_dialog(dialog)

    def open_reset(self) -> PasswordDialog | None:
        user = self.selected()
        if user is None:
            return None
        dialog = PasswordDialog(self.app, self, user=user)
        dialog.saved.connect(self._after_save)
        return self.open_dialog(dialog)

    def unlock(self) -> bool:
        user = self.selected()
        if user is None:
            return False
        ctx = self.app.ctx
        try:
            self.app.run_action(lambda s: users.unlock(s, ctx=ctx, user_id=user.id))
        except DomainError as exc:
            prompts.error(
                self, "Unlock", f"{user.username} was not unlocked: {prompts.describe(exc)}"
            )
            return False
        self._after_save(f"{user.username} is unlocked and may sign in again.", user.username)
        return True


class _UserFormDialog(GuardedDialog):
    saved = Signal(str, str)  # message, username

    def __init__(self, app: AppSession, parent: QWidget | None, title: str, ok: str) -> None:
        super().__init__(parent)
        self.app = app
        self.setWindowTitle(title)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 84)
        self.layout_ = QVBoxLayout(self)
        self.form = Form()
        self.layout_.addWidget(self.form)
        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton(ok, QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setAutoDefault(False)
        self.ok_button.setToolTip(f"{ok.replace('&', '')} (Ctrl+S)")
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAutoDefault(False)
        self.ok_button.clicked.connect(self.save)
        cancel.clicked.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+S"), self, activated=self.save)

    def finish(self) -> None:
        self.layout_.addWidget(self.buttons)
        EnterMovesFocus(self, self.form.inputs)

    def save(self) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError


class RoleChecks(QGroupBox):
    """One check box per role (the service resolves role names)."""

    def __init__(self, names: list[tuple[str, str]], checked: set[str]) -> None:
        super().__init__()
        self.setFlat(True)
        col = QVBoxLayout(self)
        col.setContentsMargins(4, 4, 4, 4)
        self.boxes: dict[str, QCheckBox] = {}
        for name, description in names:
            box = QCheckBox(f"{name} — {description}" if description else name)
            box.setChecked(name in checked)
            col.addWidget(box)
            self.boxes[name] = box

    def chosen(self) -> list[str]:
        return [n for n, b in self.boxes.items() if b.isChecked()]

    def set_checked(self, name: str, on: bool = True) -> None:
        self.boxes[name].setChecked(on)


class UserDialog(_UserFormDialog):
    """A new user (username, password, roles, site) or an existing one's name, roles, status."""

    def __init__(
        self, app: AppSession, parent: QWidget | None = None, *, user: UserPublic | None = None
    ) -> None:
        editing = user is not None
        super().__init__(
            app,
            parent,
            f"Edit user {user.username}" if user else "New user",
            "&Save" if editing else "&Create",
        )
        self.user = user
        role_rows, site_rows = app.read(
            lambda s: (
                [(r.name, r.description) for r in users.list_roles(s)],
                [(x.id, f"{x.code} — {x.name}") for x in sites.list_sites(s)],
            )
        )
        f = self.form
        self.username = QLineEdit(user.username if user else "")
        self.username.setObjectName("new-username")
        self.full_name = QLineEdit(user.full_name if user else "")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.site = QComboBox()
        self.site.addItem("— none (head office / all sites) —", None)
        for sid, text in site_rows:
            self.site.addItem(text, sid)
        self.roles = RoleChecks(role_rows, set(user.role_names) if user else set())
        self.active = QCheckBox("Active (may sign in)")
        self.active.setChecked(user.active if user else True)
        if editing:
            self.username.setReadOnly(True)
            f.add_plain("Username", self.username)
        else:
            f.add("username", "&Username", self.username)
        f.add("full_name", "&Full name", self.full_name)
        if not editing:
            f.add("password", "&Password", self.password)
            f.add("confirm", "C&onfirm", self.confirm)
        f.add("site_id", "&Site", self.site)
        f.add("roles", "&Roles", self.roles)
        if editing:
            f.add("active", "Status", self.active)
            self._select_site(user.site_id)
        else:
            self._select_site(app.ctx.site_id)
        self.finish()
        # Wide enough for the longest role description on one line.
        self.setMinimumWidth(max(self.minimumWidth(), self.form.sizeHint().width() + 24))
        (self.full_name if editing else self.username).setFocus()

    def _select_site(self, site_id: uuid.UUID | None) -> None:
        for i in range(self.site.count()):
            if self.site.itemData(i) == site_id:
                self.site.setCurrentIndex(i)

    def save(self) -> bool:
        self.form.errors.clear()
        ctx = self.app.ctx
        if self.user is None and self.password.text() != self.confirm.text():
            self.form.errors.show(ValidationFailed([("confirm", "does not match the password")]))
            return False
        try:
            if self.user is None:
                data = {
                    "username": self.username.text().strip(),
                    "password": self.password.text(),
                    "full_name": self.full_name.text().strip(),
                    "roles": self.roles.chosen(),
                    "site_id": self.site.currentData(),
                }
                self.app.run_action(lambda s: users.create_user(s, ctx=ctx, user_in=data))
                message = f"User {data['username']} created ({', '.join(data['roles'])})."
                username = data["username"]
            else:
                user_id = self.user.id
                update = {
                    "full_name": self.full_name.text().strip(),
                    "roles": self.roles.chosen(),
                    "site_id": self.site.currentData(),
                    "active": self.active.isChecked(),
                }
                self.app.run_action(
                    lambda s: users.update_user(s, ctx=ctx, user_id=user_id, user_in=update)
                )
                message = f"User {self.user.username} saved."
                username = self.user.username
        except DomainError as exc:
            self.form.errors.show(exc)
            return False
        self.saved.emit(message, username)
        self.accept()
        return True


class PasswordDialog(_UserFormDialog):
    """A new password for a user (also clears a lockout)."""

    def __init__(self, app: AppSession, parent: QWidget | None = None, *, user: UserPublic):
        super().__init__(app, parent, f"Reset password of {user.username}", "&Reset password")
        self.user = user
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.add("new_password", "&New password", self.password)
        self.form.add("confirm", "C&onfirm", self.confirm)
        self.layout_.addWidget(
            label("The user signs in with this password; a lockout is cleared.", "hint")
        )
        self.finish()
        self.password.setFocus(Qt.FocusReason.OtherFocusReason)

    def save(self) -> bool:
        self.form.errors.clear()
        if self.password.text() != self.confirm.text():
            self.form.errors.show(ValidationFailed([("confirm", "does not match the password")]))
            return False
        ctx, user_id, new = self.app.ctx, self.user.id, self.password.text()
        try:
            self.app.run_action(
                lambda s: users.reset_password(
                    s, ctx=ctx, user_id=user_id, reset_in={"new_password": new}
                )
            )
        except DomainError as exc:
            self.form.errors.show(exc)
            return False
        self.saved.emit(f"Password of {self.user.username} reset.", self.user.username)
        self.accept()
        return True
