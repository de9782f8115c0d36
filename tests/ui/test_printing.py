"""Tax invoice and dispatch note PDFs: written through Qt's printing, A4, at least one page,
and carrying the order number and the GSTINs as text (read back with poppler's pdftotext)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from hom.core.clock import DEFAULT_TIME_ZONE, today_in
from hom.core.errors import DomainError, PermissionDenied
from hom.models.enums import OrderLevel
from hom.services import orders, products
from hom_desktop.ui import printing
from tests.utils.builders import context_with
from tests.utils.gst_world import KA_GSTIN, SELLER_GSTIN, make_gst_world, primary_order
from tests.utils.order_builders import receive

P = OrderLevel.PRIMARY
_PAGE = re.compile(rb"/Type\s*/Page\b")


def _pages(path) -> int:
    """Page objects in the PDF (Qt writes them uncompressed)."""
    return len(_PAGE.findall(path.read_bytes()))


def _text(path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (Debian package poppler-utils)")
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def dispatched(kit):
    world = make_gst_world(kit)
    return primary_order(kit, world, world.ka)


def test_invoice_pdf_carries_the_order_gstins_and_igst(kit, qapp, dispatched, tmp_path):
    with kit.store.reader() as s:
        path = printing.write_invoice_pdf(
            s, ctx=kit.ctx, level=P, order_id=dispatched, path=tmp_path / "invoice.pdf"
        )
    assert path == tmp_path / "invoice.pdf" and path.read_bytes().startswith(b"%PDF")
    assert _pages(path) >= 1
    text = _text(path)
    for expected in (
        "TAX INVOICE",
        f"DEP01-P-{_year(kit)}-000001",
        SELLER_GSTIN,
        KA_GSTIN,
        "IGST",
        "0902",
        "TEA-A",
        "Karnataka (29)",
        "Rupees Seven Hundred Eighty-Two Only",
        "₹782.00",
    ):
        assert expected in text, expected
    assert "CGST" not in text  # another state: IGST only


def test_dispatch_note_pdf_has_batches_and_no_prices(kit, qapp, dispatched, tmp_path):
    with kit.store.reader() as s:
        path = printing.write_dispatch_note_pdf(
            s, ctx=kit.ctx, level=P, order_id=dispatched, path=tmp_path / "note.pdf"
        )
    assert _pages(path) >= 1
    text = _text(path)
    assert "DISPATCH NOTE" in text and f"DEP01-P-{_year(kit)}-000001" in text
    assert KA_GSTIN in text and "TEA-B" in text
    assert "112.10" not in text and "₹" not in text


def test_refusals_write_nothing(kit, qapp, dispatched, tmp_path):
    with kit.store.reader() as s:
        with pytest.raises(PermissionDenied):
            printing.write_invoice_pdf(
                s,
                ctx=context_with(kit.ctx, "orders.primary"),
                level=P,
                order_id=dispatched,
                path=tmp_path / "no.pdf",
            )
        with pytest.raises(DomainError, match="does not exist"):
            printing.write_invoice_pdf(
                s, ctx=kit.ctx, level=P, order_id=dispatched, path=tmp_path / "nowhere" / "x.pdf"
            )
    assert not (tmp_path / "no.pdf").exists()


def _year(kit) -> int:
    return today_in(DEFAULT_TIME_ZONE).year


def test_a_long_invoice_runs_onto_more_pages_with_the_table_head_repeated(kit, qapp, tmp_path):
    world = make_gst_world(kit)
    with kit.session() as s:
        lines = []
        for n in range(45):
            made = products.create_product(
                s,
                ctx=kit.ctx,
                product_in={
                    "sku": f"NOOD-{n:02d}",
                    "name": f"Instant noodles masala {n + 1} x 70 g",
                    "mrp": "14.00",
                    "distributor_price": "10.92",
                    "retailer_price": "12.32",
                    "hsn_code": "1902",
                    "gst_rate": "18",
                },
            )
            receive(s, kit.ctx, location_id=kit.location_id, product_id=made.id, quantity=10)
            lines.append({"product_id": made.id, "quantity": 10})
        order = orders.create_order(
            s,
            ctx=kit.ctx,
            level=P,
            order_in={
                "seller_location_id": kit.location_id,
                "distributor_id": world.mh,
                "lines": lines,
            },
        )
        orders.confirm(s, ctx=kit.ctx, level=P, order_id=order.id)
        order_id = order.id
    with kit.store.reader() as s:
        path = printing.write_invoice_pdf(
            s, ctx=kit.ctx, level=P, order_id=order_id, path=tmp_path / "long.pdf"
        )
    pages = _pages(path)
    assert pages >= 2
    text = _text(path)
    by_page = text.split("\f")
    for page_text in by_page:
        if "Instant noodles" in page_text:  # a page of lines starts with the table head
            assert "Description of goods" in page_text
    # the totals, the words and the signature stay together on one page
    (closing,) = [p for p in by_page if "Grand total" in p]
    assert "Tax summary by HSN" in closing and "Authorised signatory" in closing
    assert f"Page {pages} of {pages}" in text and "Instant noodles masala 45 x 70 g" in text
    # 45 x 109.20 = 4,914.00 taxable; 9 % of 109.20 = 9.828 -> 9.83 per line for each half
    assert "4,914.00" in text and "442.35" in text
