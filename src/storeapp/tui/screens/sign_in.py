"""Who is at the terminal: the sign-in screen (staff code, PIN, Enter), shown at start in a store
with staff and again over the work in progress after an idle while; and the same form asking a
manager's code and PIN for one action an associate may not do alone.

The PIN field never shows what is typed and is emptied after each attempt; the PIN is checked in
a thread (a verification takes a while, on purpose) and goes nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from storeapp.context import StoreContext
from storeapp.i18n import N_, _
from storeapp.services.staff import SignInRefusal, SignInRefused, StaffPerson
from storeapp.tui.screens.base import StoreModal
from storeapp.wording.staff import sign_in_refusal

Approved = Callable[[StaffPerson | None], object]
"""What runs once a manager stands behind an action: None when the person signed in is one (or
the store has no staff), else the manager who entered their PIN."""


@dataclass
class _Checked(Message):
    person: StaffPerson | None
    refusal: SignInRefused | None


class SignInScreen(StoreModal[StaffPerson | None]):
    """Dismisses with the person signed in (or the approving manager); an approval may be
    cancelled with Escape (None), a sign-in may not."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, context: StoreContext, *, approval: str | None = None) -> None:
        super().__init__()
        self.context = context
        self.approval = approval
        """What a manager is asked to approve; None for signing in."""
        self._checking = False

    def compose(self) -> ComposeResult:
        with Vertical(id="sign-in-dialog", classes="dialog"):
            if self.approval is None:
                yield Static(_("Sign in"), classes="dialog-title", markup=False)
                yield Static(
                    _("Type your staff code, then your PIN."), id="sign-in-lead", markup=False
                )
            else:
                yield Static(_("A manager's approval"), classes="dialog-title", markup=False)
                yield Static(
                    _(
                        "{action} is for managers: a manager types their code and PIN.",
                        action=self.approval,
                    ),
                    id="sign-in-lead",
                    markup=False,
                )
            yield Input(placeholder=_("staff code"), id="staff-code", max_length=32)
            yield Input(placeholder=_("PIN"), id="staff-pin", password=True, max_length=8)
            yield Static("", id="sign-in-error", markup=False)
            hint = (
                _("Enter signs in")
                if self.approval is None
                else _("Enter approves · Escape cancels")
            )
            yield Static(hint, classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        self.set_class(self.approval is None, "-sign-in")
        self.query_one("#staff-code", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Signing in cannot be skipped: Escape only cancels an approval.
        return not (action == "cancel" and self.approval is None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#staff-code")
    def _code_entered(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.query_one("#staff-pin", Input).focus()

    @on(Input.Submitted, "#staff-pin")
    def _pin_entered(self, event: Input.Submitted) -> None:
        event.stop()
        code = self.query_one("#staff-code", Input).value.strip()
        pin_field = self.query_one("#staff-pin", Input)
        pin = pin_field.value
        pin_field.value = ""
        if not code:
            self.query_one("#staff-code", Input).focus()
            return
        if not pin or self._checking:
            return
        self._checking = True
        self._check(code, pin)

    @work(thread=True, exclusive=True, group="sign-in", exit_on_error=False)
    def _check(self, code: str, pin: str) -> None:
        staff = self.context.staff
        try:
            person = staff.sign_in(code, pin) if self.approval is None else staff.approve(code, pin)
        except SignInRefused as refused:
            self.post_message(_Checked(None, refused))
            return
        self.post_message(_Checked(person, None))

    @on(_Checked)
    def _checked(self, message: _Checked) -> None:
        self._checking = False
        if message.person is not None:
            self.dismiss(message.person)
            return
        refused = message.refusal
        assert refused is not None
        self.query_one("#sign-in-error", Static).update(
            sign_in_refusal(refused, self.context.now())
        )
        again = "#staff-pin" if refused.refusal is SignInRefusal.WRONG_PIN else "#staff-code"
        if again == "#staff-code":
            self.query_one("#staff-code", Input).value = ""
        self.query_one(again, Input).focus()


def with_manager(app: App[Any], context: StoreContext, action: str, then: Approved) -> None:
    """Run ``then`` once a manager stands behind ``action``: at once in a store without staff
    or when the person signed in is a manager; else after a manager's code and PIN (nothing
    happens when the approval is cancelled)."""
    if context.shift.is_manager or not context.staff.has_staff():
        then(None)
        return

    def approved(manager: StaffPerson | None) -> None:
        if manager is not None:
            then(manager)

    app.push_screen(SignInScreen(context, approval=action), approved)
