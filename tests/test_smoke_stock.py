from hom_desktop.services import stock
from tests.utils.builders import add_product


def test_receive_then_on_hand(kit):
    with kit.session() as s:
        p = add_product(s)
        stock.receive(s, ctx=kit.ctx, receipt_in={"location_id": kit.location_id, "product_id": p.id, "quantity": 5})
    with kit.store.reader() as s:
        assert stock.on_hand(s, location_id=kit.location_id, product_id=p.id) == 5
