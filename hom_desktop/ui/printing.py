"""Tax invoices and dispatch notes printed to PDF through Qt's printing.

The figures come from ``hom.services.invoices`` (which checks the permission and does every
sum); this module only lays them out: HTML in a ``QTextDocument``, painted page by page onto a
``QPdfWriter`` at A4 with a footer on every page (the document's number and "page n of m").
Text is drawn in Noto Sans with the Noto fonts for Devanagari, Tamil and Bengali after it, so a
party's name in an Indian script prints as written (see ``hom_desktop.ui.fonts``); money shows
with Indian digit grouping through ``hom_desktop.ui.formats``.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QFont,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)
from sqlalchemy.orm import Session

from hom.core.errors import DomainError
from hom.models.enums import OrderLevel
from hom.services import invoices
from hom.services.context import ActorContext
from hom.services.invoices import BatchTaken, DispatchNote, Invoice, InvoiceParty
from hom_desktop.ui import formats

FONT_FAMILIES = [
    "Noto Sans",
    "Noto Sans Devanagari",
    "Noto Sans Tamil",
    "Noto Sans Bengali",
    "DejaVu Sans",
]
"""The print font and its fallbacks for the Indian scripts party names are written in."""

RESOLUTION = 300  # dots per inch of the PDF's layout: fine enough for table rules and small text
MARGINS_MM = QMarginsF(12, 12, 12, 12)
FOOTER_PT = 9
KEEP_TOGETHER = "keep-together"
"""An anchor name: what follows it (totals, words, signature) moves to a new page rather than
split across two, when it fits on one."""

_CSS = """
body { font-size: 8.5pt; color: #000; }
h1 { font-size: 15pt; margin: 0; }
.muted { color: #444; }
.small { font-size: 7.5pt; }
.big { font-size: 11pt; font-weight: bold; }
table.grid { border-collapse: collapse; border-color: #555; }
table.grid th { background-color: #e6e6e6; font-weight: bold; }
td.num, th.num { text-align: right; }
td.c, th.c { text-align: center; }
"""


# --- entry points ------------------------------------------------------------------------------


def write_invoice_pdf(
    session: Session,
    *,
    ctx: ActorContext,
    level: OrderLevel | str,
    order_id: uuid.UUID,
    path: Path | str,
) -> Path:
    """The order's tax invoice as an A4 PDF at ``path``; returns the path written."""
    invoice = invoices.invoice_for(session, ctx=ctx, level=level, order_id=order_id)
    footer = f"{invoice.title} {invoice.invoice_number} · Order {invoice.order_number}"
    return _write_pdf(invoice_html(invoice), Path(path), title=footer, footer=footer)


def write_dispatch_note_pdf(
    session: Session,
    *,
    ctx: ActorContext,
    level: OrderLevel | str,
    order_id: uuid.UUID,
    path: Path | str,
) -> Path:
    """The order's dispatch note as an A4 PDF at ``path``; returns the path written."""
    note = invoices.dispatch_note_for(session, ctx=ctx, level=level, order_id=order_id)
    footer = f"Dispatch Note · Order {note.order_number}"
    return _write_pdf(dispatch_note_html(note), Path(path), title=footer, footer=footer)


# --- the documents as HTML ----------------------------------------------------------------------


def _e(text: object) -> str:
    return html.escape(str(text))


def _lines(text: str) -> str:
    """Multi-line text (an address) as HTML lines."""
    return "<br>".join(_e(part) for part in text.splitlines() if part.strip())


def _rate(rate: Decimal) -> str:
    """``18%``, ``2.5%``, ``0.125%``: a percent without trailing zeros."""
    text = format(rate.normalize(), "f")
    return f"{text}%"


def _party_block(heading: str, party: InvoiceParty, extra: str = "") -> str:
    rows = [f"<span class='muted small'>{_e(heading)}</span>", f"<b>{_e(party.name)}</b>"]
    if party.code:
        rows[-1] += f" <span class='muted'>({_e(party.code)})</span>"
    if party.address:
        rows.append(_lines(party.address))
    rows.append(f"GSTIN: <b>{_e(party.gstin_text)}</b>")
    if party.state:
        rows.append(f"State: {_e(party.state)}  Code: {_e(party.state_code or '—')}")
    if extra:
        rows.append(extra)
    return "<br>".join(rows)


def _batches(batches: Iterable[BatchTaken], *, with_quantity: bool) -> str:
    parts = []
    for b in batches:
        expiry = f" exp {formats.day(b.expires_on)}" if b.expires_on else ""
        qty = f" × {formats.quantity(b.quantity)}" if with_quantity else ""
        parts.append(f"{_e(b.code)}{expiry}{qty}")
    return "<br>".join(parts) or "—"


def _document(body: str) -> str:
    return f"<html><head><style>{_CSS}</style></head><body>{body}</body></html>"


TaxHead = tuple[str, str, int]


def _tax_heads(inv: Invoice) -> list[TaxHead]:
    """The tax columns: (title, attribute, divisor of the GST rate). CGST and SGST at half the
    rate within a state, IGST at the full rate across states, none on a bill of supply."""
    if not inv.taxed:
        return []
    if inv.intra_state:
        return [("CGST", "cgst", 2), ("SGST", "sgst", 2)]
    return [("IGST", "igst", 1)]


def _tax(item: Any, attribute: str) -> Decimal:
    """A tax of a line or a summary row (``cgst``), or the invoice's total (``cgst_total``)."""
    return (
        getattr(item, attribute)
        if hasattr(item, attribute)
        else getattr(item, f"{attribute}_total")
    )


def invoice_html(inv: Invoice) -> str:
    """The tax invoice laid out as HTML for ``QTextDocument``."""
    money = formats.amount
    header = f"""
<table width="100%" cellspacing="0" cellpadding="0"><tr>
  <td width="60%"><h1>{_e(inv.title.upper())}</h1></td>
  <td width="40%" align="right" class="muted small">Original for recipient</td>
</tr></table>
<table width="100%" class="grid" border="1" cellspacing="0" cellpadding="4"><tr>
  <td width="55%" valign="top">{_party_block("Supplier", inv.seller)}</td>
  <td width="45%" valign="top">
    <table width="100%" cellspacing="0" cellpadding="1">
      <tr><td class="muted">Invoice No.</td><td><b>{_e(inv.invoice_number)}</b></td></tr>
      <tr><td class="muted">Invoice date</td><td><b>{formats.day(inv.invoice_date)}</b></td></tr>
      <tr><td class="muted">Order No.</td><td><b>{_e(inv.order_number)}</b></td></tr>
      <tr><td class="muted">Order date</td><td>{formats.day(inv.order_date)}</td></tr>
      <tr><td class="muted">Place of supply</td><td>{_e(inv.place_of_supply or "—")}</td></tr>
      <tr><td class="muted">Reverse charge</td><td>No</td></tr>
    </table>
  </td>
</tr><tr>
  <td valign="top">{_party_block("Billed to (recipient)", inv.buyer)}</td>
  <td valign="top"><span class='muted small'>Shipped to</span><br><b>{_e(inv.buyer.name)}</b>
    <br>{_e(inv.ship_to) if inv.ship_to else _lines(inv.buyer.address)}</td>
</tr></table>
"""
    heads = _tax_heads(inv)
    tax_heads = "".join(f"<th class='num'>{name}</th>" for name, _a, _d in heads)
    rate_head = "<th class='c'>GST</th>" if inv.taxed else ""
    rows = []
    for ln in inv.lines:
        taxes = "".join(
            f"<td class='num'>{money(_tax(ln, attr))}<br>"
            f"<span class='small muted'>@{_rate(ln.gst_rate / divisor)}</span></td>"
            for _name, attr, divisor in heads
        )
        rows.append(
            f"""<tr>
  <td class='c'>{ln.line_no}</td>
  <td>{_e(ln.product)}<br><span class='small muted'>{_e(ln.sku)}</span></td>
  <td class='c'>{_e(ln.hsn_code or "—")}</td>
  <td class='small'>{_batches(ln.batches, with_quantity=len(ln.batches) > 1)}</td>
  <td class='num'>{formats.quantity(ln.quantity)}<br>
    <span class='small muted'>{_e(ln.unit)}</span></td>
  <td class='num'>{money(ln.unit_price)}</td>
  <td class='num'>{money(ln.taxable_value)}</td>
  {f"<td class='c'>{_rate(ln.gst_rate)}</td>" if inv.taxed else ""}
  {taxes}
  <td class='num'>{money(ln.total)}</td>
</tr>"""
        )
    total_tax_cells = "".join(
        f"<td class='num'><b>{money(_tax(inv, attr))}</b></td>" for _n, attr, _d in heads
    )
    value_head = "Taxable value" if inv.taxed else "Value"
    lines_table = f"""
<p></p>
<table width="100%" class="grid" border="1" cellspacing="0" cellpadding="3">
<thead><tr>
  <th class='c' width="3%">#</th><th>Description of goods</th><th class='c'>HSN</th>
  <th>Batch / expiry</th><th class='num'>Qty</th><th class='num'>Rate ({_e(inv.currency)})</th>
  <th class='num'>{value_head}</th>{rate_head}{tax_heads}<th class='num'>Amount</th>
</tr></thead>
{"".join(rows)}
<tr>
  <td colspan="6" align="right"><b>Total</b></td>
  <td class='num'><b>{money(inv.taxable_total)}</b></td>{"<td></td>" if inv.taxed else ""}
  {total_tax_cells}
  <td class='num'><b>{money(inv.taxable_total + inv.tax_total)}</b></td>
</tr>
</table>
"""
    summary_heads = "".join(
        f"<th class='num'>{name} rate</th><th class='num'>{name}</th>" for name, _a, _d in heads
    )
    summary_rows = []
    for row in inv.tax_summary:
        cells = "".join(
            f"<td class='num'>{_rate(row.gst_rate / divisor)}</td>"
            f"<td class='num'>{money(_tax(row, attr))}</td>"
            for _name, attr, divisor in heads
        )
        summary_rows.append(
            f"<tr><td class='c'>{_e(row.hsn_code or '—')}</td>"
            f"<td class='num'>{money(row.taxable_value)}</td>{cells}"
            f"<td class='num'>{money(row.cgst + row.sgst + row.igst)}</td></tr>"
        )
    totals_rows = [(value_head, inv.taxable_total)]
    totals_rows += [(name, _tax(inv, attr)) for name, attr, _d in heads]
    totals_rows.append(("Round off", inv.round_off))
    totals = "".join(
        f"<tr><td>{_e(label)}</td><td class='num'>{money(value)}</td></tr>"
        for label, value in totals_rows
    )
    summary = (
        f"""<span class='muted small'>Tax summary by HSN</span>
  <table width="100%" class="grid" border="1" cellspacing="0" cellpadding="3">
    <tr><th class='c'>HSN</th><th class='num'>Taxable value</th>{summary_heads}
    <th class='num'>Total tax</th></tr>
    {"".join(summary_rows)}
  </table>"""
        if inv.taxed
        else ""
    )
    inclusive = (
        "<p class='small muted'>Prices are MRP, inclusive of GST: the taxable value is the "
        "amount less the tax it contains.</p>"
        if inv.tax_inclusive_prices and inv.taxed
        else ""
    )
    bottom = f"""
<p><a name="{KEEP_TOGETHER}"></a>&nbsp;</p>
<table width="100%" cellspacing="0" cellpadding="0"><tr>
<td width="58%" valign="top">
  {summary}
</td>
<td width="4%"></td>
<td width="38%" valign="top">
  <table width="100%" class="grid" border="1" cellspacing="0" cellpadding="3">
    {totals}
    <tr><td class='big'>Grand total</td>
    <td class='num big'>{formats.money(inv.grand_total, inv.currency)}</td></tr>
  </table>
</td></tr></table>
<p><span class='muted'>Amount in words:</span> <b>{_e(inv.amount_in_words)}</b></p>
{inclusive}{"".join(f"<p><b>Note:</b> {_e(note)}</p>" for note in inv.notes)}
<p></p>
<table width="100%" cellspacing="0" cellpadding="0"><tr>
<td width="60%" valign="top" class="small">
  <b>Declaration</b><br>We declare that this invoice shows the actual price of the goods
  described and that all particulars are true and correct.
</td>
<td width="40%" align="right" valign="top">For <b>{_e(inv.seller.name)}</b><br><br><br>
  Authorised signatory</td>
</tr></table>
<p class="small muted">This is a computer-generated invoice.</p>
"""
    return _document(header + lines_table + bottom)


def dispatch_note_html(note: DispatchNote) -> str:
    """The dispatch note laid out as HTML for ``QTextDocument``: goods, batches, no prices."""
    dispatched = formats.day(note.dispatch_date) if note.dispatch_date else "not yet dispatched"
    rows = []
    for ln in note.lines:
        cases = ""
        if ln.pack_size > 1 and ln.quantity >= ln.pack_size:
            full, loose = divmod(ln.quantity, ln.pack_size)
            cases = f"{formats.plural(full, 'case')}" + (f" + {loose}" if loose else "")
        rows.append(
            f"""<tr>
  <td class='c'>{ln.line_no}</td><td>{_e(ln.sku)}</td><td>{_e(ln.product)}</td>
  <td class='c'>{_e(ln.hsn_code or "—")}</td>
  <td>{_batches(ln.batches, with_quantity=True)}</td>
  <td class='num'><b>{formats.quantity(ln.quantity)}</b> {_e(ln.unit)}</td>
  <td class='num'>{_e(cases)}</td>
</tr>"""
        )
    body = f"""
<table width="100%" cellspacing="0" cellpadding="0"><tr>
  <td><h1>{_e(note.title.upper())}</h1></td>
  <td align="right" class="muted small">Not a tax invoice</td>
</tr></table>
<table width="100%" class="grid" border="1" cellspacing="0" cellpadding="4"><tr>
  <td width="55%" valign="top">{
        _party_block(
            "From",
            note.seller,
            f"Dispatched from: {_e(note.from_location)}" if note.from_location else "",
        )
    }</td>
  <td width="45%" valign="top">
    <table width="100%" cellspacing="0" cellpadding="1">
      <tr><td class="muted">Order No.</td><td><b>{_e(note.order_number)}</b></td></tr>
      <tr><td class="muted">Order date</td><td>{formats.day(note.order_date)}</td></tr>
      <tr><td class="muted">Dispatch date</td><td><b>{_e(dispatched)}</b></td></tr>
      <tr><td class="muted">Level</td><td>{_e(note.level.value.title())} order</td></tr>
    </table>
  </td>
</tr><tr>
  <td valign="top">{_party_block("To", note.buyer)}</td>
  <td valign="top"><span class='muted small'>Deliver to</span><br><b>{_e(note.buyer.name)}</b>
    <br>{_e(note.ship_to) if note.ship_to else _lines(note.buyer.address)}</td>
</tr></table>
<p></p>
<table width="100%" class="grid" border="1" cellspacing="0" cellpadding="3">
<thead><tr><th class='c' width="3%">#</th><th>SKU</th><th>Product</th><th class='c'>HSN</th>
<th>Batch · expiry × qty</th><th class='num'>Quantity</th><th class='num'>Cases</th></tr></thead>
{"".join(rows)}
<tr><td colspan="5" align="right"><b>Total quantity</b></td>
<td class='num'><b>{formats.quantity(note.total_quantity)}</b></td><td></td></tr>
</table>
<p>&nbsp;</p>
<table width="100%" cellspacing="0" cellpadding="0"><tr>
<td width="50%" valign="top">Dispatched by (name, signature)<br><br><br>Date:</td>
<td width="50%" valign="top">Received in good condition by (name, signature)<br><br><br>
Date:</td>
</tr></table>
"""
    return _document(body)


# --- painting ------------------------------------------------------------------------------------


def print_font() -> QFont:
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPointSizeF(8.5)
    return font


def _keep_together(doc: QTextDocument, page_height: float) -> None:
    """Start the block anchored ``KEEP_TOGETHER`` on a new page when what follows it would
    otherwise be split across two pages and fits on one."""
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            if KEEP_TOGETHER in it.fragment().charFormat().anchorNames():
                break
            it += 1
        else:
            block = block.next()
            continue
        break
    if not block.isValid():
        return
    layout = doc.documentLayout()
    top = layout.blockBoundingRect(block).top()
    end = layout.documentSize().height()
    first_page, last_page = int(top // page_height), int((end - 1) // page_height)
    if first_page != last_page and end - top <= page_height:
        cursor = QTextCursor(block)
        fmt = block.blockFormat()
        fmt.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
        cursor.setBlockFormat(fmt)


def _write_pdf(document_html: str, path: Path, *, title: str, footer: str) -> Path:
    """Lay ``document_html`` out on A4 pages and write them to ``path`` as a PDF."""
    path = path.expanduser()
    if path.is_dir():
        raise DomainError(f"{path} is a folder: give a file name for the PDF", field="path")
    if not path.parent.is_dir():
        raise DomainError(f"the folder {path.parent} does not exist", field="path")
    writer = QPdfWriter(str(path))
    writer.setResolution(RESOLUTION)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            MARGINS_MM,
            QPageLayout.Unit.Millimeter,
        )
    )
    writer.setTitle(title)
    writer.setCreator("HOM Desktop")
    page = writer.pageLayout().paintRectPixels(RESOLUTION)
    footer_font = print_font()
    footer_font.setPointSizeF(FOOTER_PT - 1.5)
    footer_height = FOOTER_PT * 2.2 * RESOLUTION / 72
    body_height = page.height() - footer_height

    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(writer)
    doc.setDefaultFont(print_font())
    doc.setDocumentMargin(0)
    doc.setHtml(document_html)
    doc.setPageSize(QSizeF(page.width(), body_height))
    _keep_together(doc, body_height)
    pages = max(1, doc.pageCount())

    painter = QPainter()
    if not painter.begin(writer):
        raise DomainError(f"cannot write {path}: check that the folder is writable", field="path")
    try:
        for index in range(pages):
            if index:
                writer.newPage()
            painter.save()
            painter.translate(0, -index * body_height)
            doc.drawContents(painter, QRectF(0, index * body_height, page.width(), body_height))
            painter.restore()
            painter.setFont(footer_font)
            painter.setPen(Qt.GlobalColor.darkGray)
            y = page.height() - footer_height / 3
            painter.drawLine(
                QPointF(0, body_height + footer_height / 4),
                QPointF(page.width(), body_height + footer_height / 4),
            )
            painter.drawText(QPointF(0, y), footer)
            page_text = f"Page {index + 1} of {pages}"
            width = painter.fontMetrics().horizontalAdvance(page_text)
            painter.drawText(QPointF(page.width() - width, y), page_text)
    finally:
        painter.end()
    if not path.is_file() or path.stat().st_size == 0:
        raise DomainError(f"cannot write {path}: check that the folder is writable", field="path")
    return path
