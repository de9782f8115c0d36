"""Tax invoices and dispatch notes for orders, as plain data a printer lays out.

What an invoice says, and why:

- **Supplier and recipient.** A primary order is supplied by the company's site (its legal name,
  address and GSTIN, see ``Site``) to a distributor; a secondary order by the distributor to a
  retailer; a tertiary order by the retailer to a consumer. A party without a GSTIN is shown as
  unregistered.
- **States and the tax split.** Each side's state is the state-level ancestor of its geography
  node (a party's territory, a site's node), named by its GST state code (``Maharashtra`` is 27).
  The place of supply is the recipient's state (where the goods are delivered); for a consumer
  buying over the counter it is the retailer's. Supplier and place of supply in the same state:
  CGST and SGST, half the rate each. In different states: IGST at the full rate.
- **Prices.** Primary and secondary prices are trade prices before tax: the line's amount is its
  taxable value and the tax is added. A tertiary sale is at MRP, which by law includes every
  tax: the taxable value is taken out of it (amount x 100 / (100 + rate)).
- **Rounding.** Decimal throughout; each tax of each line is rounded half-up to the paisa; the
  grand total is rounded half-up to the rupee and the difference shown as a round-off line.
- **Rates.** A line keeps the HSN code and GST rate its product had when the order was written.
  An order written before GST was recorded (no rate on the line) takes the product master's
  current rate; a product with no rate at all refuses the invoice, naming it.
- **Number.** GST allows at most 16 characters in an invoice number, unique in the financial
  year. The order number (``DEP01-P-2026-000123``, 19) is too long, so the invoice number is the
  same sequence written short: ``DEP01-P26-000123`` (site, level letter, two-digit year, serial).
  It is unique because the order number is, and the order number is printed beside it.
- **Batches.** Where the order was dispatched, each line lists the batches and expiry dates its
  dispatch took from the ledger (first expiry first), with the quantity from each.

- **Unregistered suppliers.** A distributor or retailer without a GSTIN is not registered: its
  document is a *bill of supply* and charges no tax. A company site with no GSTIN recorded still
  issues a tax invoice, which says the GSTIN is missing; so does one whose state is unknown.

Reading needs ``orders.view``. A draft or a cancelled order has no invoice or dispatch note.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.orm import Session

from hom.core.clock import business_date
from hom.core.errors import DomainError
from hom.crud import inventory as inventory_crud
from hom.crud import orders as orders_crud
from hom.crud import product as product_crud
from hom.crud import production as production_crud
from hom.crud import site as site_crud
from hom.models.base import to_money
from hom.models.enums import OrderLevel, OrderStatus, VoucherType
from hom.schemas.gst import GST_STATES, gst_state_code
from hom.services import geography, orders, sites
from hom.services.context import ActorContext
from hom.services.permissions import require

PERMISSION = "orders.view"
INVOICE_TITLE = "Tax Invoice"
BILL_OF_SUPPLY_TITLE = "Bill of Supply"
DISPATCH_NOTE_TITLE = "Dispatch Note"
UNREGISTERED = "Unregistered"
_RUPEE = Decimal(1)
PRINTABLE = frozenset({OrderStatus.CONFIRMED, OrderStatus.DISPATCHED, OrderStatus.DELIVERED})


# --- the documents ---------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceParty:
    """One side of the invoice."""

    code: str
    name: str
    address: str
    gstin: str  # "" when unregistered
    state: str  # the state's name, "" when the geography has none
    state_code: str  # the GST state code, "" when unknown

    @property
    def gstin_text(self) -> str:
        return self.gstin or UNREGISTERED

    @property
    def state_text(self) -> str:
        """``Maharashtra (27)``."""
        if not self.state:
            return ""
        return f"{self.state} ({self.state_code})" if self.state_code else self.state


@dataclass(frozen=True)
class BatchTaken:
    code: str
    expires_on: date | None
    quantity: int


@dataclass(frozen=True)
class InvoiceLine:
    line_no: int
    sku: str
    product: str
    hsn_code: str
    unit: str
    quantity: int
    batches: tuple[BatchTaken, ...]
    unit_price: Decimal
    amount: Decimal  # quantity x price as ordered (inclusive of tax for a tertiary sale)
    taxable_value: Decimal
    gst_rate: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal

    @property
    def tax(self) -> Decimal:
        return self.cgst + self.sgst + self.igst

    @property
    def total(self) -> Decimal:
        return self.taxable_value + self.tax


@dataclass(frozen=True)
class TaxSummaryRow:
    """The taxable value and taxes of one HSN code at one rate (the HSN summary)."""

    hsn_code: str
    gst_rate: Decimal
    taxable_value: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal


@dataclass(frozen=True)
class Invoice:
    title: str  # "Tax Invoice", or "Bill of Supply" from an unregistered supplier
    taxed: bool  # False: a bill of supply, no tax columns
    invoice_number: str
    order_number: str
    level: OrderLevel
    invoice_date: date
    order_date: date
    currency: str
    seller: InvoiceParty
    buyer: InvoiceParty
    ship_to: str  # the stock point delivered to, "" when none
    place_of_supply: str  # ``Karnataka (29)``
    intra_state: bool  # True: CGST + SGST; False: IGST
    tax_inclusive_prices: bool
    lines: tuple[InvoiceLine, ...]
    tax_summary: tuple[TaxSummaryRow, ...]
    taxable_total: Decimal
    cgst_total: Decimal
    sgst_total: Decimal
    igst_total: Decimal
    total_before_rounding: Decimal
    round_off: Decimal
    grand_total: Decimal
    amount_in_words: str
    notes: tuple[str, ...] = ()  # what the invoice could not determine, printed on it

    @property
    def tax_total(self) -> Decimal:
        return self.cgst_total + self.sgst_total + self.igst_total


@dataclass(frozen=True)
class DispatchLine:
    line_no: int
    sku: str
    product: str
    hsn_code: str
    unit: str
    quantity: int
    pack_size: int
    batches: tuple[BatchTaken, ...]


@dataclass(frozen=True)
class DispatchNote:
    title: str
    order_number: str
    level: OrderLevel
    status: OrderStatus
    order_date: date
    dispatch_date: date | None  # None: not dispatched yet
    seller: InvoiceParty
    buyer: InvoiceParty
    from_location: str
    ship_to: str
    lines: tuple[DispatchLine, ...]
    total_quantity: int


# --- building them ---------------------------------------------------------------------------


def charges_tax(level: OrderLevel, *, seller_gstin: str) -> bool:
    """Whether an order of ``level`` carries GST: the company always (an empty GSTIN there is
    a missing detail); a distributor or retailer only when registered (it has a GSTIN), else it
    issues a bill of supply without tax."""
    return OrderLevel(level) == OrderLevel.PRIMARY or bool(seller_gstin)


def seller_charges_tax(session: Session, *, level: OrderLevel, party_id: uuid.UUID) -> bool:
    """``charges_tax`` for an order entered for ``party_id`` (``orders.PARTY_KIND``): what the
    order form shows before the order exists."""
    spec = orders.spec_for(level)
    if spec.level == OrderLevel.PRIMARY:
        return True
    data = orders.order_in_for(session, level=spec.level, party_id=party_id, lines=[])
    seller_id = data["distributor_id"] if spec.level == OrderLevel.SECONDARY else party_id
    seller = orders_crud.get_party(session, seller_id)
    return charges_tax(spec.level, seller_gstin=seller.gstin if seller else "")


def line_tax(
    amount: Decimal, rate: Decimal, *, inclusive: bool, intra: bool = True
) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(taxable value, CGST, SGST, IGST) of a line of ``amount`` at ``rate`` per cent: the tax
    is added to the amount, or (``inclusive``, a sale at MRP) taken out of it; within a state
    it is split into CGST and SGST, across states it is IGST. The one tax rule of the invoice
    and the order form."""
    taxable = to_money(amount * 100 / (100 + rate)) if inclusive else to_money(amount)
    zero = Decimal("0.00")
    if intra:
        half = to_money(taxable * rate / 200)
        return taxable, half, half, zero
    return taxable, zero, zero, to_money(taxable * rate / 100)


def invoice_for(
    session: Session, *, ctx: ActorContext, level: OrderLevel | str, order_id: uuid.UUID
) -> Invoice:
    """The tax invoice of a confirmed, dispatched or delivered order."""
    require(ctx, PERMISSION)
    spec = orders.spec_for(level)
    order = orders.get_order(session, level=spec.level, order_id=order_id)
    _check_printable(order, "tax invoice")
    seller, buyer, ship_to = _sides(session, spec.level, order)
    place = buyer if spec.level != OrderLevel.TERTIARY else seller
    intra = _same_state(seller, place)
    # A distributor or retailer without a GSTIN is not registered: it issues a bill of supply
    # and charges no tax. (A company site always is registered: an empty GSTIN there is a
    # missing detail, noted on the invoice.)
    taxed = charges_tax(spec.level, seller_gstin=seller.gstin)
    inclusive = spec.level == OrderLevel.TERTIARY
    products = product_crud.get_many(session, {ln.product_id for ln in order.lines})
    taken = _batches_taken(session, order)
    lines = [
        _invoice_line(
            line,
            products[line.product_id],
            taken.get(line.line_no, ()),
            taxed=taxed,
            intra=intra,
            inclusive=inclusive,
            order_number=order.number,
        )
        for line in order.lines
    ]
    taxable_total = _sum(ln.taxable_value for ln in lines)
    cgst_total = _sum(ln.cgst for ln in lines)
    sgst_total = _sum(ln.sgst for ln in lines)
    igst_total = _sum(ln.igst for ln in lines)
    before = taxable_total + cgst_total + sgst_total + igst_total
    grand = before.quantize(_RUPEE, rounding=ROUND_HALF_UP)
    currency = sites.installation(session).currency
    zone = sites.time_zone(session, order.site_id)
    moment = order.dispatched_at or order.confirmed_at
    return Invoice(
        title=INVOICE_TITLE if taxed else BILL_OF_SUPPLY_TITLE,
        taxed=taxed,
        invoice_number=invoice_number(order.number),
        order_number=order.number,
        level=spec.level,
        invoice_date=business_date(moment, zone) if moment else order.order_date,
        order_date=order.order_date,
        currency=currency,
        seller=seller,
        buyer=buyer,
        ship_to=ship_to,
        place_of_supply=place.state_text,
        intra_state=intra,
        tax_inclusive_prices=inclusive,
        lines=tuple(lines),
        tax_summary=_summary(lines),
        taxable_total=taxable_total,
        cgst_total=cgst_total,
        sgst_total=sgst_total,
        igst_total=igst_total,
        total_before_rounding=before,
        round_off=to_money(grand - before),
        grand_total=to_money(grand),
        amount_in_words=amount_in_words(grand, currency),
        notes=_notes(seller, place, lines, taxed=taxed),
    )


def dispatch_note_for(
    session: Session, *, ctx: ActorContext, level: OrderLevel | str, order_id: uuid.UUID
) -> DispatchNote:
    """The dispatch note of a confirmed, dispatched or delivered order: what goes (or went) out,
    batch by batch, without prices."""
    require(ctx, PERMISSION)
    spec = orders.spec_for(level)
    order = orders.get_order(session, level=spec.level, order_id=order_id)
    _check_printable(order, "dispatch note")
    seller, buyer, ship_to = _sides(session, spec.level, order)
    products = product_crud.get_many(session, {ln.product_id for ln in order.lines})
    taken = _batches_taken(session, order)
    from_location = ""
    if order.seller_location_id is not None:
        location = site_crud.get_location(session, order.seller_location_id)
        from_location = f"{location.name} ({location.code})" if location else ""
    lines = tuple(
        DispatchLine(
            line_no=line.line_no,
            sku=products[line.product_id].sku,
            product=products[line.product_id].name,
            hsn_code=line.hsn_code or products[line.product_id].hsn_code,
            unit=products[line.product_id].unit,
            quantity=line.quantity,
            pack_size=products[line.product_id].pack_size,
            batches=taken.get(line.line_no, ()),
        )
        for line in order.lines
    )
    zone = sites.time_zone(session, order.site_id)
    return DispatchNote(
        title=DISPATCH_NOTE_TITLE,
        order_number=order.number,
        level=spec.level,
        status=order.status,
        order_date=order.order_date,
        dispatch_date=business_date(order.dispatched_at, zone) if order.dispatched_at else None,
        seller=seller,
        buyer=buyer,
        from_location=from_location,
        ship_to=ship_to,
        lines=lines,
        total_quantity=sum(ln.quantity for ln in lines),
    )


def invoice_number(order_number: str) -> str:
    """The invoice number of an order: ``DEP01-P-2026-000123`` -> ``DEP01-P26-000123`` (GST
    allows 16 characters); without the hyphens where a long site code needs it."""
    parts = order_number.rsplit("-", 3)
    if len(parts) != 4 or not parts[2].isdigit():
        return order_number
    site, letter, year, serial = parts
    short = f"{site}-{letter}{year[-2:]}-{serial}"
    return short if len(short) <= 16 else short.replace("-", "")


# --- amounts in words ------------------------------------------------------------------------

_ONES = [
    "Zero",
    "One",
    "Two",
    "Three",
    "Four",
    "Five",
    "Six",
    "Seven",
    "Eight",
    "Nine",
    "Ten",
    "Eleven",
    "Twelve",
    "Thirteen",
    "Fourteen",
    "Fifteen",
    "Sixteen",
    "Seventeen",
    "Eighteen",
    "Nineteen",
]
_TENS = ["_", "_", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety"]
_CURRENCY_WORDS = {
    "INR": ("Rupees", "Paise"),
    "NPR": ("Rupees", "Paisa"),
    "PKR": ("Rupees", "Paisa"),
    "LKR": ("Rupees", "Cents"),
    "BDT": ("Taka", "Poisha"),
    "USD": ("Dollars", "Cents"),
    "EUR": ("Euros", "Cents"),
    "GBP": ("Pounds", "Pence"),
    "AED": ("Dirhams", "Fils"),
}
"""The currency's name as a cheque writes it before the amount ("Rupees One Only"), and its
minor unit."""


def _below_hundred(n: int) -> str:
    if n < 20:
        return _ONES[n]
    tens, ones = divmod(n, 10)
    return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")


def number_in_words(n: int) -> str:
    """A whole number the Indian way: crore, lakh, thousand, hundred
    (``123456`` -> ``One Lakh Twenty-Three Thousand Four Hundred Fifty-Six``)."""
    if n < 0:
        return "Minus " + number_in_words(-n)
    if n < 100:
        return _below_hundred(n)
    words: list[str] = []
    crore, n = divmod(n, 10_000_000)
    if crore:
        words.append(f"{number_in_words(crore)} Crore")
    for size, name in ((100_000, "Lakh"), (1_000, "Thousand"), (100, "Hundred")):
        count, n = divmod(n, size)
        if count:
            words.append(f"{_below_hundred(count)} {name}")
    if n:
        words.append(_below_hundred(n))
    return " ".join(words)


def amount_in_words(amount: Decimal, currency: str = "INR") -> str:
    """``Rupees One Lakh Twenty-Three Thousand Four Hundred Fifty-Six and Fifty Paise Only``;
    ``Fifty Paise Only`` for 0.50; rounded half-up to the paisa first."""
    amount = to_money(amount)
    sign = "Minus " if amount < 0 else ""
    amount = abs(amount)
    major_name, minor_name = _CURRENCY_WORDS.get(currency, (currency, "Cents"))
    whole = int(amount)
    minor = int((amount - whole) * 100)
    major = f"{major_name} {number_in_words(whole)}"
    if minor and not whole:
        text = f"{number_in_words(minor)} {minor_name}"
    elif minor:
        text = f"{major} and {number_in_words(minor)} {minor_name}"
    else:
        text = major
    return f"{sign}{text} Only"


# --- helpers ---------------------------------------------------------------------------------


def _check_printable(order: Any, document: str) -> None:
    if order.status not in PRINTABLE:
        hint = (
            "confirm it first"
            if order.status == OrderStatus.DRAFT
            else "a cancelled order supplies nothing"
        )
        raise DomainError(
            f"order {order.number} is {order.status.value}: it has no {document} ({hint})",
            field="status",
        )


def _sum(values: Any) -> Decimal:
    return to_money(sum(values, Decimal(0)))


def _state_of(session: Session, node_id: uuid.UUID | None) -> tuple[str, str]:
    """(state name, GST state code) of a geography node: its ancestor at the state level."""
    name = geography.state_name(session, node_id) or ""
    return name, gst_state_code(name) or ""


def _party_side(session: Session, party_id: uuid.UUID) -> InvoiceParty:
    party = orders_crud.get_party(session, party_id)
    assert party is not None  # a foreign key guarantees it
    state, code = _state_of(session, party.territory_id)
    if not code and party.gstin:
        code = party.gstin[:2]
        state = state or GST_STATES.get(code, "")
    return InvoiceParty(party.code, party.name, party.address, party.gstin, state, code)


def _site_side(session: Session, site_id: uuid.UUID) -> InvoiceParty:
    site = sites.get_site(session, site_id)
    state, code = _state_of(session, site.geo_node_id)
    if not code and site.gstin:
        code = site.gstin[:2]
        state = state or GST_STATES.get(code, "")
    return InvoiceParty(
        site.code, site.legal_name or site.name, site.address, site.gstin, state, code
    )


def _sides(
    session: Session, level: OrderLevel, order: Any
) -> tuple[InvoiceParty, InvoiceParty, str]:
    """(supplier, recipient, ship-to) of an order."""
    if level == OrderLevel.PRIMARY:
        location = site_crud.get_location(session, order.buyer_location_id)
        ship_to = f"{location.name} ({location.code})" if location else ""
        return (
            _site_side(session, order.site_id),
            _party_side(session, order.distributor_id),
            ship_to,
        )
    if level == OrderLevel.SECONDARY:
        return (
            _party_side(session, order.distributor_id),
            _party_side(session, order.retailer_id),
            "",
        )
    retailer = _party_side(session, order.retailer_id)
    consumer = InvoiceParty(
        code="",
        name=order.consumer_name or "Consumer",
        address=f"Phone {order.consumer_phone}" if order.consumer_phone else "",
        gstin="",
        state=retailer.state,
        state_code=retailer.state_code,
    )
    return retailer, consumer, ""


def _invoice_line(
    line: Any,
    product: Any,
    batches: tuple[BatchTaken, ...],
    *,
    taxed: bool,
    intra: bool,
    inclusive: bool,
    order_number: str,
) -> InvoiceLine:
    """One order line with its taxable value and taxes, each rounded half-up to the paisa."""
    rate = line.gst_rate if line.gst_rate is not None else product.gst_rate
    if not taxed:
        rate = Decimal("0.00")
    if rate is None:
        raise DomainError(
            f"product {product.sku} ({product.name}) has no GST rate, so order "
            f"{order_number} cannot be invoiced: set the product's GST rate first",
            field="gst_rate",
        )
    amount = line.line_total
    taxable, cgst, sgst, igst = line_tax(amount, rate, inclusive=inclusive, intra=intra)
    return InvoiceLine(
        line_no=line.line_no,
        sku=product.sku,
        product=product.name,
        hsn_code=line.hsn_code or product.hsn_code,
        unit=product.unit,
        quantity=line.quantity,
        batches=batches,
        unit_price=line.unit_price,
        amount=amount,
        taxable_value=taxable,
        gst_rate=rate,
        cgst=cgst,
        sgst=sgst,
        igst=igst,
    )


def _notes(
    seller: InvoiceParty, place: InvoiceParty, lines: list[InvoiceLine], *, taxed: bool
) -> tuple[str, ...]:
    """What the invoice could not determine or the supplier must know, printed on it."""
    if not taxed:
        return (
            "The supplier is not registered under GST: no tax is charged on this bill of supply.",
        )
    notes = _unknown_states(seller, place)
    no_hsn = [ln.sku for ln in lines if not ln.hsn_code]
    if no_hsn:
        notes += (
            f"No HSN code is recorded for {', '.join(no_hsn)}: set it in the product master.",
        )
    if not seller.gstin:
        notes += (
            f"The supplier's GSTIN is not recorded: set it in the site's invoice details "
            f"({seller.code}) before issuing this invoice.",
        )
    return notes


def _unknown_states(seller: InvoiceParty, place: InvoiceParty) -> tuple[str, ...]:
    """What to print when a state is unknown (no geography state and no GSTIN): the tax is
    then split as within one state, and the invoice says so rather than hiding it."""
    missing = [
        f"{role} {side.name} ({side.code})" if side.code else f"{role} {side.name}"
        for role, side in (("supplier", seller), ("place of supply", place))
        if not side.state
    ]
    if not missing:
        return ()
    return (
        f"The state of the {' and the '.join(missing)} is not recorded (no geography state or "
        "GSTIN): CGST and SGST are charged as within one state. Record it before filing.",
    )


def _same_state(seller: InvoiceParty, place: InvoiceParty) -> bool:
    if seller.state_code and place.state_code:
        return seller.state_code == place.state_code
    return seller.state == place.state


def _batches_taken(session: Session, order: Any) -> dict[int, tuple[BatchTaken, ...]]:
    """Per line number, the batches its dispatch took (from the order's DISPATCH ledger
    entries): a line with a fixed batch takes that batch's units, the others take their
    product's dispatched units in ledger order, as dispatch allocated them line by line. A line
    whose goods moved no stock (a retailer without a stock point) shows the batch it names."""
    entries = [
        e
        for e in inventory_crud.ledger_for_voucher(session, voucher_id=order.id)
        if e.voucher_type == VoucherType.DISPATCH and e.batch_id is not None
    ]
    named = {ln.batch_id for ln in order.lines if ln.batch_id is not None}
    batches = production_crud.get_batches(session, {e.batch_id for e in entries} | named)
    pool: dict[uuid.UUID, list[list[Any]]] = defaultdict(list)  # product -> [[batch, qty]]
    for e in entries:
        pool[e.product_id].append([e.batch_id, -e.quantity])
    out: dict[int, tuple[BatchTaken, ...]] = {}
    for line in sorted(order.lines, key=lambda ln: (ln.batch_id is None, ln.line_no)):
        wanted = line.quantity
        took: list[BatchTaken] = []
        for item in pool.get(line.product_id, []):
            if wanted == 0:
                break
            if item[1] <= 0 or (line.batch_id is not None and item[0] != line.batch_id):
                continue
            take = min(wanted, item[1])
            item[1] -= take
            wanted -= take
            batch = batches[item[0]]
            took.append(BatchTaken(batch.code, batch.expires_on, take))
        if not entries and line.batch_id is not None:
            batch = batches[line.batch_id]
            took.append(BatchTaken(batch.code, batch.expires_on, line.quantity))
        out[line.line_no] = tuple(took)
    return out


def _summary(lines: list[InvoiceLine]) -> tuple[TaxSummaryRow, ...]:
    groups: dict[tuple[str, Decimal], list[InvoiceLine]] = defaultdict(list)
    for line in lines:
        groups[(line.hsn_code, line.gst_rate)].append(line)
    return tuple(
        TaxSummaryRow(
            hsn_code=hsn,
            gst_rate=rate,
            taxable_value=_sum(ln.taxable_value for ln in group),
            cgst=_sum(ln.cgst for ln in group),
            sgst=_sum(ln.sgst for ln in group),
            igst=_sum(ln.igst for ln in group),
        )
        for (hsn, rate), group in sorted(groups.items())
    )
