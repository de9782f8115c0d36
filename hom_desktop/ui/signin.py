"""Sign-in against the local store (works offline) and the first run of an empty store.

Sign-in commits the attempt whatever its outcome (failed attempts must count towards the
lockout), and only then asks the outcome for the user, so a refused attempt is still recorded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from hom.core.errors import DomainError, ValidationFailed
from hom.core.names import APP_NAME
from hom_desktop.ui import prompts, theme
from hom_desktop.ui.base import SignedIn, dialog_header, info_banner, title_label
from hom_desktop.ui.forms import EnterMovesFocus, Form, label
from hom_desktop.ui.ops import Operation, Progress

if TYPE_CHECKING:  # the sign-in dialog paints before the domain loads (see ui.app)
    from hom.core.config import Settings
    from hom.core.store import Store
    from hom.services.context import ActorContext


def _store_name(store: Store) -> str:
    from hom.services import sites

    with store.reader() as s:
        if not sites.is_initialised(s):
            return ""
        inst = sites.installation(s)
        site = sites.get_site(s, inst.site_id) if inst.site_id else None
        return f"{site.code} — {site.name}" if site else inst.name


class SignInDialog(QDialog):
    """Username and password; shows why a sign-in was refused (including a lockout)."""

    signedIn = Signal(object, object)  # ActorContext, SignedIn

    def __init__(
        self,
        store: Store | None,
        settings: Settings | None,
        *,
        username: str = "",
        parent: Any = None,
    ):
        """``store`` None: the store is still opening (see ``ui.app``); the dialog paints at
        once and takes sign-ins from ``set_store`` on."""
        super().__init__(parent)
        self.store = store
        self.settings = settings
        self.ctx: ActorContext | None = None
        self.who: SignedIn | None = None
        self.setWindowTitle(f"Sign in — {APP_NAME}")
        self.setWindowIcon(theme.icon("app"))
        self.setMinimumWidth(420)

        layout = QVBoxLayout(self)
        self.store_label = label("Opening the store…", "hint")
        layout.addLayout(dialog_header(APP_NAME, self.store_label))

        self.form = Form()
        self.username = QLineEdit(username)
        self.username.setObjectName("username")
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.add("username", "&Username", self.username)
        self.form.add("password", "&Password", self.password)
        layout.addWidget(self.form)
        layout.addWidget(label("Works offline: checked against this computer's store.", "hint"))

        buttons = QDialogButtonBox()
        self.sign_in_button = buttons.addButton("Sign in", QDialogButtonBox.ButtonRole.AcceptRole)
        self.sign_in_button.setDefault(True)
        self.quit_button = buttons.addButton("Quit", QDialogButtonBox.ButtonRole.RejectRole)
        # Enter signs in wherever the focus is (after a Tab round it sits on Quit, and an
        # auto-default Quit would take Enter and close the program).
        self.quit_button.setAutoDefault(False)
        self.sign_in_button.clicked.connect(self.attempt)
        self.quit_button.clicked.connect(self.reject)
        layout.addWidget(buttons)
        (self.password if username else self.username).setFocus()
        if store is not None and settings is not None:
            self.set_store(store, settings)
        else:
            self.sign_in_button.setEnabled(False)

    def set_store(self, store: Store, settings: Settings) -> None:
        """The store is open: name it and take sign-ins."""
        self.store, self.settings = store, settings
        where = _store_name(store)
        self.store_label.setText(f"Store: {where}" if where else "Sign in to continue")
        self.sign_in_button.setEnabled(True)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Esc does not quit the program from here: only Quit (or closing the window) does."""
        if event.key() == Qt.Key.Key_Escape:
            event.accept()
            return
        super().keyPressEvent(event)

    def attempt(self) -> bool:
        """One sign-in attempt; True when it succeeded (``ctx`` and ``who`` are then set)."""
        if self.store is None or self.settings is None:
            return False  # still opening: the button is disabled until it is open
        from hom.services import users

        self.form.errors.clear()
        name, password = self.username.text(), self.password.text()
        self.setCursor(Qt.CursorShape.WaitCursor)
        try:
            with self.store.reader() as s:  # argon2 runs here, holding no write lock
                check = users.check_password(s, username=name, password=password)
            with self.store.transaction() as s:
                outcome = users.record_sign_in(
                    s,
                    check=check,
                    lockout_attempts=self.settings.lockout_attempts,
                    lockout_minutes=self.settings.lockout_minutes,
                )
                ctx = who = None
                if outcome.user is not None:
                    ctx = users.context_for(s, user=outcome.user)
                    who = _who(s, outcome.user)
            # Committed: a failed attempt has been counted. Now raise what was refused.
            outcome.user_or_raise()
        except DomainError as exc:
            self.form.errors.show(exc)
            if exc.field != "username":
                self.password.clear()
            return False
        finally:
            self.unsetCursor()
        self.ctx, self.who = ctx, who
        self.signedIn.emit(ctx, who)
        self.accept()
        return True

    def error_text(self) -> str:
        """The refusal shown to the user (under a field or in the banner)."""
        for field in ("username", "password"):
            text = self.form.errors.error_text(field)
            if text:
                return text
        return self.form.banner.text() if self.form.banner.isVisible() else ""


def _who(session: Any, user: Any) -> SignedIn:
    from hom.services import sites

    inst = sites.installation(session)
    site = sites.get_site(session, inst.site_id) if inst.site_id else None
    return SignedIn(
        user_id=user.id,
        username=user.username,
        full_name=user.full_name,
        site_id=site.id if site else None,
        site_code=site.code if site else "",
        site_name=site.name if site else "no site (read-only store)",
        installation_name=inst.name,
        currency=inst.currency,
    )


SITE_KINDS: list[tuple[str, str | None]] = [  # SiteKind values (a StrEnum compares equal)
    ("Depot", "depot"),
    ("Factory", "factory"),
    ("Distributor", "distributor"),
    ("Head office", "head_office"),
    ("No site: a manager's read-only store", None),
]


class FirstRunDialog(QDialog):
    """An empty store: create the first administrator, or load the demo data."""

    initialised = Signal(str)  # the username to sign in with

    def __init__(self, store: Store, parent: Any = None) -> None:
        super().__init__(parent)
        self.store = store
        self.demo_summary: Any = None
        self.operation: Operation[Any] | None = None
        self.setWindowTitle(f"Welcome — {APP_NAME}")
        self.setWindowIcon(theme.icon("app"))
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.addWidget(title_label(f"Welcome to {APP_NAME}"))
        layout.addWidget(
            label(
                "This computer's store is empty. Set it up for your site, or load the demo "
                "data to try the program.",
                "hint",
                wrap=True,
            )
        )
        self.pages = QStackedWidget()
        self.pages.addWidget(self._choice_page())
        self.pages.addWidget(self._setup_page())
        layout.addWidget(self.pages)

    # --- page 0: the choice ------------------------------------------------------------

    def _choice_page(self) -> QWidget:
        page = QWidget()
        col = QVBoxLayout(page)
        col.setContentsMargins(0, 8, 0, 0)
        self.setup_button = QPushButton(theme.icon("roles"), "  Set up this store…")
        self.setup_button.setProperty("primary", True)
        self.setup_button.clicked.connect(lambda: self._show_setup())
        col.addWidget(self.setup_button)
        col.addWidget(
            label("Name the site this computer works for and create its administrator.", "hint")
        )
        col.addSpacing(10)
        self.demo_button = QPushButton(theme.icon("demo"), "  Load the demo data")
        self.demo_button.clicked.connect(self.load_demo)
        col.addWidget(self.demo_button)
        col.addWidget(
            label("Sample factories, depots, products and stock movements to explore.", "hint")
        )
        self.choice_error = label("", "banner-error", wrap=True)
        self.choice_error.hide()
        col.addWidget(self.choice_error)
        self.choice_info = info_banner()
        col.addWidget(self.choice_info)
        col.addStretch(1)
        quit_row = QHBoxLayout()
        quit_row.addStretch(1)
        self.quit_button = QPushButton("Quit")
        self.quit_button.clicked.connect(self.reject)
        quit_row.addWidget(self.quit_button)
        col.addLayout(quit_row)
        return page

    def _show_setup(self) -> None:
        self.pages.setCurrentIndex(1)
        self.site_code.setFocus()

    # --- page 1: set up ----------------------------------------------------------------

    def _setup_page(self) -> QWidget:
        page = QWidget()
        col = QVBoxLayout(page)
        col.setContentsMargins(0, 8, 0, 0)
        self.form = Form()
        self.site_kind = QComboBox()
        for text, kind in SITE_KINDS:
            self.site_kind.addItem(text, kind)
        self.site_code = QLineEdit()
        self.site_code.setPlaceholderText("e.g. DEP01")
        self.site_name = QLineEdit()
        self.site_name.setPlaceholderText("e.g. Pune depot")
        self.currency = QLineEdit("INR")
        self.currency.setMaxLength(3)
        self.admin_username = QLineEdit("admin")
        self.admin_full_name = QLineEdit()
        self.admin_password = QLineEdit()
        self.admin_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.admin_confirm = QLineEdit()
        self.admin_confirm.setEchoMode(QLineEdit.EchoMode.Password)
        f = self.form
        f.add("kind", "Site &kind", self.site_kind)
        f.add("code", "Site &code", self.site_code)
        f.add("name", "Site &name", self.site_name)
        f.add("currency", "C&urrency", self.currency)
        f.add("username", "Admin &username", self.admin_username)
        f.add("full_name", "Admin &full name", self.admin_full_name)
        f.add("password", "&Password", self.admin_password)
        f.add("confirm", "Con&firm password", self.admin_confirm)
        self.site_kind.currentIndexChanged.connect(self._kind_changed)
        col.addWidget(self.form)
        EnterMovesFocus(self, self.form.inputs)
        buttons = QDialogButtonBox()
        self.back_button = buttons.addButton("Back", QDialogButtonBox.ButtonRole.RejectRole)
        self.create_button = buttons.addButton(
            "Create store", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.back_button.clicked.connect(lambda: self.pages.setCurrentIndex(0))
        self.create_button.clicked.connect(self.create)
        col.addWidget(buttons)
        return page

    def _kind_changed(self) -> None:
        has_site = self.site_kind.currentData() is not None
        self.site_code.setEnabled(has_site)
        self.site_name.setEnabled(has_site)

    def create(self) -> bool:
        """Initialise the store with what was typed; errors appear beside their fields."""
        self.form.errors.clear()
        if self.admin_password.text() != self.admin_confirm.text():
            self.form.errors.show(ValidationFailed([("confirm", "does not match the password")]))
            return False
        from hom.models.enums import SiteKind
        from hom.services import setup

        kind = self.site_kind.currentData()
        username = self.admin_username.text().strip()
        try:
            with self.store.transaction() as s:
                setup.initialize(
                    s,
                    admin_username=username,
                    admin_password=self.admin_password.text(),
                    admin_full_name=self.admin_full_name.text().strip(),
                    site_code=self.site_code.text().strip() if kind is not None else None,
                    site_name=self.site_name.text().strip(),
                    site_kind=SiteKind(kind or SiteKind.DEPOT),
                    currency=self.currency.text().strip(),
                )
        except DomainError as exc:
            self.form.errors.show(exc)
            return False
        self.initialised.emit(username)
        self.accept()
        return True

    # --- demo data ---------------------------------------------------------------------

    def load_demo(self) -> None:
        """Load the demo data in the background, with progress and cancel."""
        self.choice_error.hide()
        try:
            from hom.services import demo  # written separately; may not exist yet
        except Exception as exc:  # ImportError, or an error raised while importing it
            text = f"The demo data cannot be loaded: {type(exc).__name__}: {exc}"
            self.choice_error.setText(text)
            self.choice_error.show()
            prompts.error(self, "Demo data", text)
            return
        store = self.store

        def work(progress: Progress) -> Any:
            return demo.load_demo(
                store, scale=1, progress=progress.report, cancelled=progress.cancelled
            )

        self.demo_button.setEnabled(False)
        self.setup_button.setEnabled(False)
        self.operation = (
            Operation(self, work)
            .with_progress("Loading the demo data…", title="Demo data", cancellable=True)
            .success(self._demo_loaded)
            .failure(self._demo_failed)
            .on_cancel(self._demo_cancelled)
            .finally_(self._demo_done)
            .run()
        )

    def _demo_done(self) -> None:
        self.demo_button.setEnabled(True)
        self.setup_button.setEnabled(True)

    def _demo_loaded(self, summary: Any) -> None:
        self.demo_summary = summary
        describe = getattr(summary, "describe", None)
        text = describe() if callable(describe) else "The demo data is loaded."
        prompts.info(self, "Demo data", text[:1].upper() + text[1:])
        self.initialised.emit("admin")
        self.accept()

    def _demo_failed(self, exc: BaseException) -> None:
        text = f"Loading the demo data failed: {prompts.describe(exc)}"
        self.choice_error.setText(text)
        self.choice_error.show()
        prompts.error(self, "Demo data", text)

    def _demo_cancelled(self) -> None:
        self.choice_info.setText("Loading the demo data was cancelled.")
        self.choice_info.show()
