"""Tax invoices and dispatch notes: figures computed by hand on a small known order, the
CGST/SGST and IGST split by state, amounts in words, rounding, and the refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hom.core.errors import DomainError, PermissionDenied
from hom.crud import production as production_crud
from hom.models.enums import OrderLevel
from hom.services import invoices, orders, parties, products
from hom.services.invoices import amount_in_words, invoice_number
from tests.utils.builders import add_product, context_with
from tests.utils.gst_world import KA_GSTIN, MH_GSTIN, SELLER_GSTIN, make_gst_world, primary_order
from tests.utils.order_builders import make_chain, receive
from tests.utils.order_builders import primary_order as draft_order

P = OrderLevel.PRIMARY
RETAILER_GSTIN = "29ABKPR4321M1Z5"
D = Decimal


@pytest.fixture
def kit(any_kit):
    """Every test here runs on SQLite and on PostgreSQL."""
    return any_kit


@pytest.fixture
def world(kit):
    return make_gst_world(kit)


def _invoice(kit, level, order_id, ctx=None):
    with kit.store.reader() as s:
        return invoices.invoice_for(s, ctx=ctx or kit.ctx, level=level, order_id=order_id)


def test_same_state_splits_cgst_and_sgst_half_each(kit, world):
    inv = _invoice(kit, P, primary_order(kit, world, world.mh))
    assert inv.title == "Tax Invoice"
    assert inv.intra_state
    assert inv.seller.gstin == SELLER_GSTIN and inv.seller.state_text == "Maharashtra (27)"
    assert inv.buyer.gstin == MH_GSTIN and inv.place_of_supply == "Maharashtra (27)"
    soap, tea = inv.lines
    # soap: 10 x 36.35 = 363.50; 9 % of it = 32.715 -> 32.72 (half-up) for each of CGST, SGST
    assert (soap.hsn_code, soap.gst_rate, soap.taxable_value) == ("3401", D("18.00"), D("363.50"))
    assert (soap.cgst, soap.sgst, soap.igst) == (D("32.72"), D("32.72"), D("0.00"))
    # tea: 3 x 112.10 = 336.30; 2.5 % = 8.4075 -> 8.41 each
    assert (tea.hsn_code, tea.gst_rate, tea.taxable_value) == ("0902", D("5.00"), D("336.30"))
    assert (tea.cgst, tea.sgst, tea.igst) == (D("8.41"), D("8.41"), D("0.00"))
    assert inv.taxable_total == D("699.80")
    assert (inv.cgst_total, inv.sgst_total, inv.igst_total) == (D("41.13"), D("41.13"), D("0"))
    # 699.80 + 82.26 = 782.06 -> 782; round-off -0.06
    assert inv.total_before_rounding == D("782.06")
    assert (inv.round_off, inv.grand_total) == (D("-0.06"), D("782.00"))
    assert inv.amount_in_words == "Rupees Seven Hundred Eighty-Two Only"
    assert [(r.hsn_code, r.taxable_value) for r in inv.tax_summary] == [
        ("0902", D("336.30")),
        ("3401", D("363.50")),
    ]


def test_other_state_charges_igst(kit, world):
    inv = _invoice(kit, P, primary_order(kit, world, world.ka))
    assert not inv.intra_state
    assert inv.buyer.gstin == KA_GSTIN and inv.place_of_supply == "Karnataka (29)"
    soap, tea = inv.lines
    # 18 % of 363.50 = 65.43; 5 % of 336.30 = 16.815 -> 16.82
    assert (soap.cgst, soap.sgst, soap.igst) == (D("0.00"), D("0.00"), D("65.43"))
    assert tea.igst == D("16.82")
    assert (inv.igst_total, inv.cgst_total) == (D("82.25"), D("0.00"))
    # 699.80 + 82.25 = 782.05 -> 782; round-off -0.05
    assert (inv.round_off, inv.grand_total) == (D("-0.05"), D("782.00"))


def test_lines_carry_the_batches_dispatch_took_first_expiry_first(kit, world):
    inv = _invoice(kit, P, primary_order(kit, world, world.mh))
    soap, tea = inv.lines
    assert soap.batches == ()  # not batch-tracked
    assert [(b.code, b.quantity) for b in tea.batches] == [("TEA-A", 2), ("TEA-B", 1)]
    assert tea.batches[0].expires_on < tea.batches[1].expires_on
    with kit.store.reader() as s:
        note = invoices.dispatch_note_for(s, ctx=kit.ctx, level=P, order_id=inv_order(kit, inv))
    assert note.title == "Dispatch Note" and note.total_quantity == 13
    assert [(b.code, b.quantity) for b in note.lines[1].batches] == [("TEA-A", 2), ("TEA-B", 1)]
    assert note.dispatch_date is not None


def inv_order(kit, inv):
    with kit.store.reader() as s:
        return orders.get_by_number(s, number=inv.order_number).id


def test_rates_stay_as_ordered_when_the_master_changes(kit, world):
    order_id = primary_order(kit, world, world.mh)
    with kit.session() as s:
        products.update_product(
            s, ctx=kit.ctx, product_id=world.soap, product_in={"gst_rate": "28"}
        )
    soap = _invoice(kit, P, order_id).lines[0]
    assert soap.gst_rate == D("18.00") and soap.cgst == D("32.72")


def test_secondary_to_an_unregistered_retailer_in_the_same_state(kit, world):
    with kit.session() as s:
        order = orders.create_order(
            s,
            ctx=kit.ctx,
            level=OrderLevel.SECONDARY,
            order_in={
                "distributor_id": world.ka,
                "retailer_id": world.ka_retailer,
                "lines": [{"product_id": world.soap, "quantity": 7}],
            },
        )
        orders.confirm(s, ctx=kit.ctx, level=OrderLevel.SECONDARY, order_id=order.id)
        order_id = order.id
    inv = _invoice(kit, OrderLevel.SECONDARY, order_id)
    assert inv.seller.gstin == KA_GSTIN and inv.buyer.gstin_text == "Unregistered"
    assert inv.intra_state
    (line,) = inv.lines
    # 7 x 40.10 = 280.70; 9 % = 25.263 -> 25.26 each; 331.22 -> 331, round-off -0.22
    assert (line.taxable_value, line.cgst, line.sgst) == (D("280.70"), D("25.26"), D("25.26"))
    assert (inv.round_off, inv.grand_total) == (D("-0.22"), D("331.00"))


def _tertiary(kit, world, quantity: int = 2):
    with kit.session() as s:
        order = orders.create_order(
            s,
            ctx=kit.ctx,
            level=OrderLevel.TERTIARY,
            order_in={
                "retailer_id": world.ka_retailer,
                "consumer_name": "Asha Rao",
                "lines": [{"product_id": world.soap, "quantity": quantity}],
            },
        )
        orders.confirm(s, ctx=kit.ctx, level=OrderLevel.TERTIARY, order_id=order.id)
        return order.id


def test_an_unregistered_supplier_issues_a_bill_of_supply_without_tax(kit, world):
    inv = _invoice(kit, OrderLevel.TERTIARY, _tertiary(kit, world))
    assert (inv.title, inv.taxed) == ("Bill of Supply", False)
    (line,) = inv.lines
    assert (line.taxable_value, line.tax, line.total) == (D("91.00"), D("0.00"), D("91.00"))
    assert (inv.tax_total, inv.grand_total) == (D("0.00"), D("91.00"))
    assert inv.notes == (
        "The supplier is not registered under GST: no tax is charged on this bill of supply.",
    )


def test_tertiary_sale_at_mrp_takes_the_tax_out_of_the_price(kit, world):
    with kit.session() as s:
        parties.update_party(
            s, ctx=kit.ctx, party_id=world.ka_retailer, party_in={"gstin": RETAILER_GSTIN}
        )
        order = orders.create_order(
            s,
            ctx=kit.ctx,
            level=OrderLevel.TERTIARY,
            order_in={
                "retailer_id": world.ka_retailer,
                "consumer_name": "Asha Rao",
                "lines": [{"product_id": world.soap, "quantity": 2}],
            },
        )
        orders.confirm(s, ctx=kit.ctx, level=OrderLevel.TERTIARY, order_id=order.id)
        order_id = order.id
    inv = _invoice(kit, OrderLevel.TERTIARY, order_id)
    assert inv.tax_inclusive_prices and inv.intra_state
    (line,) = inv.lines
    # 2 x 45.50 = 91.00 at MRP; taxable 91.00 x 100 / 118 = 77.118... -> 77.12;
    # 9 % of 77.12 = 6.9408 -> 6.94 each; 77.12 + 13.88 = 91.00
    assert (line.amount, line.taxable_value) == (D("91.00"), D("77.12"))
    assert (line.cgst, line.sgst) == (D("6.94"), D("6.94"))
    assert (inv.total_before_rounding, inv.round_off, inv.grand_total) == (
        D("91.00"),
        D("0.00"),
        D("91.00"),
    )


def test_a_product_without_a_gst_rate_refuses_the_invoice_naming_it(kit):
    with kit.session() as s:
        chain = make_chain(s, kit)
        oil = add_product(s, sku="OIL-1", name="Coconut oil 200 ml", gst_rate=None)
        receive(s, kit.ctx, location_id=kit.location_id, product_id=oil.id, quantity=5)
        order = draft_order(s, kit, chain, oil.id)
        orders.confirm(s, ctx=kit.ctx, level=P, order_id=order.id)
        order_id, number = order.id, order.number
    with pytest.raises(DomainError) as caught:
        _invoice(kit, P, order_id)
    assert caught.value.field == "gst_rate"
    assert caught.value.message == (
        f"product OIL-1 (Coconut oil 200 ml) has no GST rate, so order {number} cannot be "
        "invoiced: set the product's GST rate first"
    )


def test_refusals(kit, world):
    draft = primary_order(kit, world, world.mh, dispatch=False)
    with kit.session() as s:
        order = orders.get_order(s, level=P, order_id=draft)
        # a draft: make one
        new = orders.create_order(
            s,
            ctx=kit.ctx,
            level=P,
            order_in={
                "seller_location_id": kit.location_id,
                "distributor_id": world.mh,
                "lines": [{"product_id": world.soap, "quantity": 1}],
            },
        )
        new_id = new.id
        assert order.status.value == "confirmed"
    with pytest.raises(DomainError, match=r"is draft: it has no tax invoice \(confirm it first"):
        _invoice(kit, P, new_id)
    with pytest.raises(PermissionDenied):
        _invoice(kit, P, draft, ctx=context_with(kit.ctx, "orders.primary"))
    assert _invoice(kit, P, draft, ctx=context_with(kit.ctx, "orders.view")).lines


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0.50", "Fifty Paise Only"),
        ("1", "Rupees One Only"),
        ("100000", "Rupees One Lakh Only"),
        (
            "123456.50",
            "Rupees One Lakh Twenty-Three Thousand Four Hundred Fifty-Six and Fifty Paise Only",
        ),
        (
            "12345678.90",
            "Rupees One Crore Twenty-Three Lakh Forty-Five Thousand Six Hundred Seventy-Eight "
            "and Ninety Paise Only",
        ),
        ("0", "Rupees Zero Only"),
        ("1000000000", "Rupees One Hundred Crore Only"),
        ("20.005", "Rupees Twenty and One Paise Only"),  # half-up to the paisa
    ],
)
def test_amount_in_words_the_indian_way(amount, words):
    assert amount_in_words(Decimal(amount)) == words


def test_invoice_number_fits_gst_sixteen_characters():
    assert invoice_number("DEP01-P-2026-000123") == "DEP01-P26-000123"
    assert invoice_number("LONGSITE1-S-2026-000001") == "LONGSITE1S26000001"
    assert len(invoice_number("DEP01-T-2026-999999")) <= 16


def test_an_unknown_state_is_said_on_the_invoice_not_hidden(kit):
    """An order between parties with no state in the geography (and no GSTIN) still prints,
    split as within one state, with a note saying the state is not recorded."""

    with kit.session() as s:
        chain = make_chain(s, kit)
        soap = add_product(s, sku="SOAP", hsn_code="")
        receive(s, kit.ctx, location_id=kit.location_id, product_id=soap.id, quantity=5)
        order = draft_order(s, kit, chain, soap.id)
        orders.confirm(s, ctx=kit.ctx, level=P, order_id=order.id)
        order_id = order.id
    inv = _invoice(kit, P, order_id)
    assert inv.intra_state and inv.lines[0].cgst == D("3.24")  # 9 % of 36.00
    assert inv.title == "Tax Invoice"  # the company is registered: its GSTIN is missing here
    state, hsn, gstin = inv.notes
    assert state.startswith("The state of the supplier DEP01 site (DEP01) and the place of supply")
    assert "is not recorded" in state
    assert gstin.startswith("The supplier's GSTIN is not recorded")
    assert hsn == "No HSN code is recorded for SOAP: set it in the product master."


def test_a_sale_without_stock_movement_shows_the_batch_its_line_names(kit, world):
    with kit.session() as s:
        batch = production_crud.get_batch_by_code(s, product_id=world.tea, code="TEA-B")
        order = orders.create_order(
            s,
            ctx=kit.ctx,
            level=OrderLevel.TERTIARY,
            order_in={
                "retailer_id": world.ka_retailer,
                "lines": [{"product_id": world.tea, "quantity": 1, "batch_id": batch.id}],
            },
        )
        orders.confirm(s, ctx=kit.ctx, level=OrderLevel.TERTIARY, order_id=order.id)
        orders.dispatch(s, ctx=kit.ctx, level=OrderLevel.TERTIARY, order_id=order.id)
        order_id = order.id
    (line,) = _invoice(kit, OrderLevel.TERTIARY, order_id).lines
    assert [(b.code, b.quantity) for b in line.batches] == [("TEA-B", 1)]
