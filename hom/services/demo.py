"""The demo data set: a realistic, deterministic company to explore and to benchmark with.

Three factories and five depots across India's zones, ~300 products, ~50 distributors with stock
points, ~1,000 retailers, and 90 days of history replayed day by day through the same services a
clerk uses: production logs, factory-to-depot transfers, and orders at all three levels moving
through their lifecycle. ``scale`` multiplies the parties and the daily volume, so a store with a
million ledger entries can be made for benchmarks.

Every site's history is written as that site's own installation would have written it (the
one-writer rule holds) with the clock set to the simulated day; this store itself is installed
for the Pune plant, FAC01, so its data is editable there and the other sites' is read-only, as
if it had arrived through sync. The same seed, scale and end date give the same data.

The load is built in a scratch store beside the real one (one transaction there), which is then
copied into the empty real store in one step (SQLite's backup API: the write lock is held for
about a second, not for the minutes the load takes). Cancelled or failed, the scratch store is
thrown away and the real one is left as it was. Progress reports carry an estimate of the time
left.
"""

from __future__ import annotations

import random
import shutil
import tempfile
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from time import monotonic as _monotonic
from typing import Any

from sqlalchemy.orm import Session

from hom.core import security
from hom.core.clock import frozen_at, to_local, utcnow
from hom.core.errors import DomainError, InsufficientStock
from hom.core.ids import new_id
from hom.core.store import Store, open_store
from hom.crud import product as product_crud
from hom.crud import production as production_crud
from hom.demo import catalog
from hom.models.base import to_money
from hom.models.enums import (
    GeoLevel,
    LocationKind,
    OrderLevel,
    PartyKind,
    SiteKind,
    VoucherType,
)
from hom.schemas.gst import gst_state_code, gstin_check_character
from hom.services import (
    geography,
    goods_receipts,
    orders,
    parties,
    production,
    products,
    setup,
    sites,
    stock,
    users,
)
from hom.services.context import ActorContext

DEMO_INSTALLATION = "HOM demo (Pune plant)"
HOME_SITE = "FAC01"
DAYS = 90
BASE_DISTRIBUTORS = 50
BASE_RETAILERS = 1000
BASE_LINES_PER_SHIFT = 6

Progress = Callable[[int, int, str], None]
_PACE_DAYS = 7  # the estimate of the time left follows the pace of this many recent days


class DemoCancelled(DomainError):
    code = "cancelled"


@dataclass
class DemoSummary:
    site_code: str
    currency: str
    counts: dict[str, int] = field(default_factory=dict)
    already_loaded: bool = False

    def describe(self) -> str:
        if self.already_loaded:
            return "the store already holds the demo data; nothing to do"
        parts = ", ".join(f"{v:,} {k}" for k, v in self.counts.items())
        users_text = ", ".join(u for u, _, _ in catalog.DEMO_USERS)
        return (
            f"demo data loaded for site {self.site_code} ({self.currency}): {parts}.\n"
            f"sign in as {users_text} with the password {catalog.DEMO_PASSWORD}"
        )


def is_demo_store(session: Session) -> bool:
    return sites.is_initialised(session) and sites.installation(session).name == DEMO_INSTALLATION


def load_demo(
    store: Store,
    *,
    scale: int = 1,
    currency: str = "INR",
    seed: int = 20261127,
    today: date | None = None,
    days: int = DAYS,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> DemoSummary:
    """Fill an empty store with the demo company. Refused on a store holding other data."""
    if scale < 1 or scale > 100:
        raise DomainError("must be a whole number from 1 to 100", field="scale")
    if days < 1 or days > 366:
        raise DomainError("must be a whole number of days from 1 to 366", field="days")
    currency = sites.check_currency(currency)
    with store.reader() as session:
        if sites.is_initialised(session):
            if is_demo_store(session):
                return DemoSummary(HOME_SITE, currency, already_loaded=True)
            raise DomainError(
                "this store already holds data; the demo loads only into a new, empty store "
                "(choose another --data-dir)",
                field="store",
            )

    def load(session: Session) -> DemoSummary:
        loader = _Loader(
            session,
            scale=scale,
            currency=currency,
            seed=seed,
            today=today or to_local(utcnow()).date(),
            days=days,
            progress=progress,
            cancelled=cancelled,
        )
        return loader.run()

    if store.engine.dialect.name != "sqlite":  # no file to build beside: one transaction
        with store.transaction() as session:
            return load(session)
    with scratch_store(store) as scratch:
        with scratch.transaction() as session:
            summary = load(session)
        if progress is not None:
            progress(1, 1, "moving the demo data into the store")
        store.replace_contents(scratch)
    return summary


def demo_pan(holder: str, name: str, i: int) -> str:
    """A made-up PAN of the right shape: 3 letters, the holder type (F firm, P proprietor),
    the name's initial, 4 digits and a letter, different for each ``i``."""
    letters = f"AA{chr(65 + i % 26)}{holder}{name[0].upper()}"
    return f"{letters}{1000 + i * 37 % 9000:04d}{chr(65 + i * 7 % 26)}"


def demo_gstin(state_code: str, pan: str) -> str:
    """The GSTIN of ``pan`` registered in the state: entity number 1, Z, and the check."""
    first14 = f"{state_code}{pan}1Z"
    return first14 + gstin_check_character(first14)


def _duration(seconds: float) -> str:
    seconds = max(1, round(seconds))
    return f"{seconds} s" if seconds < 90 else f"{round(seconds / 60)} min"


@contextmanager
def scratch_store(store: Store) -> Iterator[Store]:
    """A new, empty store in a temporary folder beside ``store`` (same settings otherwise),
    removed with its files on the way out."""
    folder = Path(tempfile.mkdtemp(prefix=".demo-build-", dir=store.settings.data_dir))
    scratch = open_store(store.settings.model_copy(update={"data_dir": folder}), auto_backup=False)
    try:
        yield scratch
    finally:
        scratch.close()
        shutil.rmtree(folder, ignore_errors=True)


class _Loader:
    """One demo load; its steps share the random generator and what was made so far."""

    def __init__(
        self,
        session: Session,
        *,
        scale: int,
        currency: str,
        seed: int,
        today: date,
        days: int,
        progress: Progress | None,
        cancelled: Callable[[], bool] | None,
    ) -> None:
        self.s = session
        self.scale = scale
        self.currency = currency
        self.factor = catalog.CURRENCY_FACTORS.get(currency, Decimal(1))
        self.rng = random.Random(seed)
        self.today = today
        self.days = days
        self.start = today - timedelta(days=days - 1)
        self._progress = progress
        self._cancelled = cancelled
        self.steps_total = 6 + days
        self.steps_done = 0
        self._day_starts: list[float] = []  # when each simulated day began
        self.counts: dict[str, int] = defaultdict(int)
        # filled as we go
        self.geo: dict[str, uuid.UUID] = {}  # code -> node id
        self.region_of_city: dict[str, str] = {}  # city -> region code
        self.territories_of_state: dict[str, list[str]] = defaultdict(list)
        self.site_ids: dict[str, uuid.UUID] = {}
        self.locations: dict[str, uuid.UUID] = {}  # location code -> id
        self.products: list[tuple[uuid.UUID, str, bool, int]] = []  # id, category, tracked, pack
        self.pack_of: dict[uuid.UUID, int] = {}
        self.factory_products: dict[str, list[tuple[uuid.UUID, str, bool, int]]] = {}
        self.distributors: list[tuple[uuid.UUID, str, str, uuid.UUID]] = []  # id, code, site, stock
        self.retailers: list[tuple[uuid.UUID, str, uuid.UUID]] = []  # id, code, distributor
        # what each retailer received: (product, batch, expires_on)
        self.retailer_batches: dict[
            uuid.UUID, list[tuple[uuid.UUID, uuid.UUID | None, date | None]]
        ] = defaultdict(list)
        self.users: dict[str, uuid.UUID] = {}
        self.installation_id: uuid.UUID | None = None
        # confirmed primary orders (kept alive: read again on dispatch and delivery), their
        # site and the day of their next step
        self.open_primary: list[tuple[Any, str, date]] = []
        # The session's identity map holds objects weakly: master data the services look up on
        # every order is kept alive here so it is read once, not once per order.
        self.keep: list[object] = []
        self.batches: list[object] = []  # likewise every batch made

    # --- plumbing ---------------------------------------------------------------------------

    def step(self, label: str) -> None:
        if self._cancelled is not None and self._cancelled():
            raise DemoCancelled("the demo load was cancelled; nothing was written", field="demo")
        self.steps_done += 1
        if self._progress is not None:
            self._progress(self.steps_done, self.steps_total, label + self._estimate())

    def _estimate(self) -> str:
        """ " — about N s left", from the pace of the last few days (the setup steps before them
        take a few seconds and are not counted). A day costs more as stock builds up along the
        chain over the first weeks, so the recent pace predicts the rest better than the
        average since the start."""
        now = _monotonic()
        days_done = self.steps_done - 7  # the six setup steps and the day now starting
        if days_done < 0:
            return ""
        self._day_starts.append(now)
        if days_done < 1:
            return ""
        recent = self._day_starts[-(_PACE_DAYS + 1) :]
        per_day = (recent[-1] - recent[0]) / (len(recent) - 1)
        left = per_day * (self.steps_total - self.steps_done + 1)
        return f" — about {_duration(left)} left"

    def ctx(self, site_code: str, user: str = "clerk") -> ActorContext:
        assert self.installation_id is not None
        return ActorContext(
            installation_id=self.installation_id,
            site_id=self.site_ids[site_code],
            user_id=self.users.get(user),
            username=user,
            is_system=True,
            # other sites' history is theirs, not this installation's change to sync
            queues_changes=site_code == HOME_SITE,
        )

    def price(self, inr: str) -> Decimal:
        return to_money(Decimal(inr) * self.factor)

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        """A moment of the simulated day (IST business hours expressed in UTC)."""
        local = datetime.combine(day, time(hour, minute))
        return (local - timedelta(hours=5, minutes=30)).replace(tzinfo=UTC)

    # --- the load ---------------------------------------------------------------------------

    def run(self) -> DemoSummary:
        with frozen_at(self.at(self.start, 8)):
            self.step("store, roles and users")
            self.make_store_and_users()
            self.step("geography")
            self.make_geography()
            self.step("sites and stock locations")
            self.make_sites()
            self.step("products")
            self.make_products()
            self.step("distributors")
            self.make_distributors()
            self.step("retailers")
            self.make_retailers()
        for offset in range(self.days):
            day = self.start + timedelta(days=offset)
            self.step(f"day {offset + 1} of {self.days}: {day.isoformat()}")
            self.simulate_day(day)
        self.keep.clear()
        self.batches.clear()
        report = stock.verify(self.s)
        if not report.ok:
            raise DomainError("the demo data failed its own verify", field="demo")
        self.counts["ledger entries"] = report.ledger_entries
        return DemoSummary(HOME_SITE, self.currency, dict(self.counts))

    def make_store_and_users(self) -> None:
        factory = catalog.FACTORIES[0]
        shared_hash = security.hash_password(catalog.DEMO_PASSWORD)  # hashed once for all
        result = setup.initialize(
            self.s,
            admin_username=catalog.DEMO_USERS[0][0],
            admin_password=catalog.DEMO_PASSWORD,
            admin_full_name=catalog.DEMO_USERS[0][1],
            site_code=factory[0],
            site_name=factory[1],
            site_kind=SiteKind.FACTORY,
            currency=self.currency,
            installation_name=DEMO_INSTALLATION,
            demo=True,
            admin_password_hash=shared_hash,
        )
        assert result.site is not None
        self.installation_id = result.installation_id
        self.site_ids[factory[0]] = result.site.id
        self.users["admin"] = result.admin.id
        system = sites.system_context(self.s)
        for username, full_name, roles in catalog.DEMO_USERS[1:]:
            user = users.create_user(
                self.s,
                ctx=system,
                user_in={
                    "username": username,
                    "password": catalog.DEMO_PASSWORD,
                    "full_name": full_name,
                    "roles": roles,
                    "site_id": result.site.id,
                },
                password_hash=shared_hash,
            )
            self.users[username] = user.id
        self.counts["users"] = len(catalog.DEMO_USERS)

    def make_geography(self) -> None:
        """The whole tree in one bulk write (``geography.create_nodes``, the same rules)."""
        rows: list[dict] = []

        def node(level: GeoLevel, code: str, name: str, parent: str | None) -> None:
            self.geo[code] = node_id = new_id()
            rows.append(
                {
                    "id": node_id,
                    "level": level,
                    "code": code,
                    "name": name,
                    "parent_id": self.geo[parent] if parent else None,
                }
            )
            self.counts["geography nodes"] += 1

        for zone, states in catalog.GEOGRAPHY.items():
            zone_code = zone[0]
            node(GeoLevel.ZONE, zone_code, zone, None)
            for state, cities in states.items():
                state_code = catalog.STATE_CODES[state]
                node(GeoLevel.STATE, state_code, state, zone_code)
                for city in cities:
                    region_code = f"{state_code}-{city[:3].upper()}"
                    node(GeoLevel.REGION, region_code, f"{city} region", state_code)
                    self.region_of_city[city] = region_code
                    for area_suffix in catalog.AREA_SUFFIXES:
                        area_code = f"{region_code}-{area_suffix[0]}"
                        node(GeoLevel.AREA, area_code, f"{city} {area_suffix}", region_code)
                        for t, word in enumerate(catalog.TERRITORY_SUFFIXES, start=1):
                            t_code = f"{area_code}{t}"
                            node(
                                GeoLevel.TERRITORY,
                                t_code,
                                f"{city} {area_suffix} {word}",
                                area_code,
                            )
                            self.territories_of_state[state].append(t_code)
        geography.create_nodes(self.s, ctx=self.ctx(HOME_SITE, "admin"), nodes_in=rows)

    def make_sites(self) -> None:
        system = sites.system_context(self.s)
        home = self.site_ids[HOME_SITE]
        self.locations[f"{HOME_SITE}-FG"] = sites.list_locations(self.s, site_id=home)[0].id
        home_wh = sites.create_location(
            self.s,
            ctx=system,
            location_in={
                "site_id": home,
                "code": f"{HOME_SITE}-WH",
                "name": "Pune plant mother warehouse",
                "kind": LocationKind.WAREHOUSE,
            },
        )
        self.locations[f"{HOME_SITE}-WH"] = home_wh.id
        self.keep.extend([home_wh, *sites.list_locations(self.s, site_id=home)])
        self.keep.extend(sites.list_sites(self.s))
        for code, name, city, _cats in catalog.FACTORIES[1:]:
            self._site(code, name, SiteKind.FACTORY, city, "FG", LocationKind.FINISHED_GOODS)
        for code, name, city in catalog.DEPOTS:
            self._site(code, name, SiteKind.DEPOT, city, "WH", LocationKind.WAREHOUSE)
        self.invoice_details()
        self.counts["sites"] = len(self.site_ids)

    def invoice_details(self) -> None:
        """Each company site's supplier details: the company's name, the site's address and
        the company's GSTIN in the site's state."""
        system = sites.system_context(self.s)
        cities = [(f[0], f[1], f[2]) for f in catalog.FACTORIES] + list(catalog.DEPOTS)
        for code, name, city in cities:
            state = self.state_of_city(city)
            sites.update_invoice_details(
                self.s,
                ctx=system,
                site_id=self.site_ids[code],
                details_in={
                    "legal_name": catalog.COMPANY_NAME,
                    "address": f"{name}, Industrial Area\n{city}, {state}",
                    "gstin": demo_gstin(gst_state_code(state) or "", catalog.COMPANY_PAN),
                    "geo_node_id": self.geo[self.region_of_city[city]],
                },
            )

    def state_of_city(self, city: str) -> str:
        return next(
            state
            for states in catalog.GEOGRAPHY.values()
            for state, cities in states.items()
            if city in cities
        )

    def _site(
        self, code: str, name: str, kind: SiteKind, city: str, suffix: str, loc_kind: LocationKind
    ) -> None:
        system = sites.system_context(self.s)
        site = sites.create_site(
            self.s,
            ctx=system,
            site_in={
                "code": code,
                "name": name,
                "kind": kind,
                "geo_node_id": self.geo[self.region_of_city[city]],
            },
        )
        self.site_ids[code] = site.id
        self.keep.append(site)
        loc = sites.create_location(
            self.s,
            ctx=system,
            location_in={
                "site_id": site.id,
                "code": f"{code}-{suffix}",
                "name": f"{name} {'finished goods' if suffix == 'FG' else 'warehouse'}",
                "kind": loc_kind,
            },
        )
        self.locations[loc.code] = loc.id
        self.keep.append(loc)

    def make_products(self) -> None:
        ctx = self.ctx(HOME_SITE, "admin")
        rows = []
        for b_index, brand in enumerate(catalog.BRANDS):
            for category, items in catalog.PRODUCT_FAMILIES.items():
                for i_index, (item, unit, sizes, pack, shelf) in enumerate(items):
                    variants = 2 if category == "Personal care" else 1
                    for v in range(variants):
                        variant = catalog.VARIANTS[
                            (b_index + i_index + v * 4) % len(catalog.VARIANTS)
                        ]
                        for s_index, (size, mrp_inr) in enumerate(sizes):
                            mrp = self.price(mrp_inr)
                            sku = (
                                f"{category[:2].upper()}-{brand[:3].upper()}-"
                                f"{i_index + 1:02d}{v + 1}{s_index + 1}"
                            )
                            rows.append(
                                {
                                    "sku": sku,
                                    "name": f"{brand} {variant} {item} {size}",
                                    "category": category,
                                    "brand": brand,
                                    "unit": unit,
                                    "pack_size": pack,
                                    "mrp": mrp,
                                    "retailer_price": max(
                                        to_money(mrp * Decimal("0.88")), Decimal("0.01")
                                    ),
                                    "distributor_price": max(
                                        to_money(mrp * Decimal("0.78")), Decimal("0.01")
                                    ),
                                    "track_batches": shelf is not None,
                                    "shelf_life_days": shelf,
                                    "reorder_level": pack * 10,
                                    "hsn_code": catalog.ITEM_GST[item][0],
                                    "gst_rate": catalog.ITEM_GST[item][1],
                                }
                            )
        ids = products.create_products(self.s, ctx=ctx, products_in=rows)
        found = product_crud.get_many(self.s, ids)
        made = [found[i] for i in ids]
        self.keep.extend(made)
        self.products = [(p.id, p.category, p.track_batches, p.pack_size) for p in made]
        self.pack_of = {p.id: p.pack_size for p in made}
        for code, _name, _city, categories in catalog.FACTORIES:
            self.factory_products[code] = [p for p in self.products if p[1] in categories]
        self.counts["products"] = len(made)

    def serving_site(self, state: str) -> str:
        return catalog.SERVING_SITE[state]

    def make_distributors(self) -> None:
        states = [s for zone in catalog.GEOGRAPHY.values() for s in zone]
        n = BASE_DISTRIBUTORS * self.scale
        system = sites.system_context(self.s)
        for i in range(n):
            state = states[i % len(states)]
            territories = self.territories_of_state[state]
            territory = territories[(i // len(states)) % len(territories)]
            site_code = self.serving_site(state)
            family = self.rng.choice(catalog.FAMILY_NAMES)
            code = f"D{i + 1:04d}"
            dist = parties.create_party(
                self.s,
                ctx=self.ctx(site_code),
                party_in={
                    "kind": PartyKind.DISTRIBUTOR,
                    "code": code,
                    "name": f"{family} {self.rng.choice(catalog.TRADE_WORDS)}",
                    "territory_id": self.geo[territory],
                    "phone": f"+91 9{self.rng.randrange(10**8, 10**9)}",
                    "address": f"{self.rng.randrange(1, 300)}, Market Road, {state}",
                    "gstin": demo_gstin(gst_state_code(state) or "", demo_pan("F", family, i)),
                },
            )
            point = sites.create_location(
                self.s,
                ctx=system,
                location_in={
                    "site_id": self.site_ids[site_code],
                    "code": f"{code}-STK",
                    "name": f"{dist.name} stock",
                    "kind": LocationKind.DISTRIBUTOR_STOCK,
                    "party_id": dist.id,
                },
            )
            self.distributors.append((dist.id, code, site_code, point.id))
            self.keep.extend((dist, point))
        self.counts["distributors"] = n

    def make_retailers(self) -> None:
        n = BASE_RETAILERS * self.scale
        by_site: dict[str, list[dict]] = defaultdict(list)
        for i in range(n):
            dist_id, _code, site_code, _point = self.distributors[i % len(self.distributors)]
            dist = parties.get_party(self.s, dist_id)
            owner = self.rng.choice(catalog.FAMILY_NAMES)
            code = f"R{i + 1:05d}"
            retailer_id = new_id()
            by_site[site_code].append(
                {
                    "id": retailer_id,
                    "kind": PartyKind.RETAILER,
                    "code": code,
                    "name": f"{owner} {self.rng.choice(catalog.SHOP_WORDS)}",
                    "territory_id": dist.territory_id,
                    "distributor_id": dist_id,
                    "phone": f"+91 8{self.rng.randrange(10**8, 10**9)}",
                    # one retailer in four is registered (a proprietor's PAN: P)
                    "gstin": (
                        demo_gstin(dist.gstin[:2], demo_pan("P", owner, i)) if i % 4 == 0 else ""
                    ),
                }
            )
            self.retailers.append((retailer_id, code, dist_id))
        for site_code, rows in by_site.items():  # each written by its serving site's clerk
            parties.create_parties(self.s, ctx=self.ctx(site_code), parties_in=rows)
        self.keep.extend(parties.get_parties(self.s, [r[0] for r in self.retailers]))
        self.counts["retailers"] = n

    # --- one simulated day --------------------------------------------------------------------

    def simulate_day(self, day: date) -> None:
        with frozen_at(self.at(day, 7)):
            self.produce(day)
        with frozen_at(self.at(day, 11)):
            self.transfer_to_depots(day)
        with frozen_at(self.at(day, 14)):
            self.primary_orders(day)
        with frozen_at(self.at(day, 16)):
            self.progress_primary(day)
        with frozen_at(self.at(day, 18)):
            self.secondary_orders(day)
        with frozen_at(self.at(day, 20)):
            self.tertiary_orders(day)

    def produce(self, day: date) -> None:
        made: list[uuid.UUID] = []
        for code, _name, _city, _cats in catalog.FACTORIES:
            ctx = self.ctx(code, "factory")
            lines = self.factory_products[code]
            per_shift = min(len(lines), BASE_LINES_PER_SHIFT * self.scale)
            for shift in ("A", "B"):
                for pid, _cat, tracked, pack in self.rng.sample(lines, per_shift):
                    log = production.post_log(
                        self.s,
                        ctx=ctx,
                        log_in={
                            "site_id": self.site_ids[code],
                            "production_date": day,
                            "shift": shift,
                            "product_id": pid,
                            "batch_code": f"F{code[-1]}-{day:%y%m%d}-{shift}" if tracked else None,
                            "good_qty": pack * self.rng.randrange(40, 160),
                            "rejected_qty": self.rng.randrange(0, pack),
                        },
                    )
                    if log.batch_id is not None:
                        made.append(log.batch_id)
                    self.counts["production logs"] += 1
        # kept alive, so dispatches find the day's batches in the session: one query here
        self.batches.extend(production_crud.get_batches(self.s, made).values())

    def _holdings(
        self, location: uuid.UUID
    ) -> dict[uuid.UUID, list[tuple[uuid.UUID | None, int, date | None]]]:
        """What a location holds, per product, first expiry first: one read for all products."""
        return stock.holdings(self.s, location_id=location)

    @staticmethod
    def _fefo_moves(
        rows: list[tuple[uuid.UUID | None, int, date | None]], wanted: int, day: date
    ) -> list[tuple[uuid.UUID | None, int]]:
        """(batch, qty) taking ``wanted`` units of ``rows`` (one product's holdings, first expiry
        first) in that order, skipping expired batches."""
        taken = []
        for batch_id, qty, expires in rows:
            if wanted <= 0:
                break
            if expires is not None and expires < day:
                continue
            take = min(qty, wanted)
            taken.append((batch_id, take))
            wanted -= take
        return taken

    def transfer_to_depots(self, day: date) -> None:
        """Factories ship finished goods: FAC01 to its own warehouse daily, and every factory to
        the depots on their day (out written by the factory, in by the depot, one voucher)."""
        for f_code, _name, _city, _cats in catalog.FACTORIES:
            fg = self.locations[f"{f_code}-FG"]
            targets = [f"{HOME_SITE}-WH"] if f_code == HOME_SITE else []
            targets += [
                d[0] + "-WH" for i, d in enumerate(catalog.DEPOTS) if (day.toordinal() + i) % 3 == 0
            ]
            for target in targets:
                voucher = new_id()
                number = f"{f_code}-STN-{day:%y%m%d}-{target[:5]}"
                out_moves, in_moves = [], []
                shipped = self.rng.sample(
                    self.factory_products[f_code],
                    min(8 * self.scale, len(self.factory_products[f_code])),
                )
                held = stock.holdings(self.s, location_id=fg, product_ids=[p[0] for p in shipped])
                for pid, _cat, _tracked, pack in shipped:
                    rows = held.get(pid, [])
                    share = (sum(q for _b, q, _e in rows) // 3) // pack * pack
                    for batch_id, qty in self._fefo_moves(rows, share, day):
                        out_moves.append(stock.Movement(fg, pid, -qty, batch_id))
                        in_moves.append(stock.Movement(self.locations[target], pid, qty, batch_id))
                if not out_moves:
                    continue
                target_site = target[:5]
                stock.post(
                    self.s,
                    ctx=self.ctx(f_code),
                    movements=out_moves,
                    voucher_type=VoucherType.TRANSFER_OUT,
                    voucher_id=voucher,
                    voucher_no=number,
                    reason=f"stock transfer to {target}",
                )
                stock.post(
                    self.s,
                    ctx=self.ctx(target_site),
                    movements=in_moves,
                    voucher_type=VoucherType.TRANSFER_IN,
                    voucher_id=voucher,
                    voucher_no=number,
                    reason=f"stock transfer from {f_code}",
                )
                self.counts["stock transfers"] += 1

    def _seller_location(self, site_code: str) -> uuid.UUID:
        return self.locations[f"{site_code}-WH"]

    def _lines_in_stock(
        self, location: uuid.UUID, count: int, *, packs: tuple[int, int], whole_packs: bool = True
    ) -> list[dict]:
        """Order lines for products the location holds, never more than it holds."""
        holdings = self._holdings(location)
        held = [(pid, sum(q for _b, q, _e in rows)) for pid, rows in holdings.items()]
        if not held:
            return []
        lines = []
        for pid, qty in self.rng.sample(held, min(count, len(held))):
            unit = self.pack_of[pid] if whole_packs else 1
            want = unit * self.rng.randrange(*packs)
            usable = sum(q for _b, q in self._fefo_moves(holdings[pid], want, self.today))
            usable = min(usable, qty) // unit * unit
            if usable > 0:
                lines.append({"product_id": pid, "quantity": usable})
        return lines

    def primary_orders(self, day: date) -> None:
        """Each distributor orders once a week from its serving site's warehouse."""
        for index, (dist_id, _code, site_code, point) in enumerate(self.distributors):
            if (day.toordinal() + index) % 7 != 0:
                continue
            seller = self._seller_location(site_code)
            lines = self._lines_in_stock(seller, 8, packs=(2, 12))
            if not lines:
                continue
            ctx = self.ctx(site_code)
            order = orders.create_order(
                self.s,
                ctx=ctx,
                level=OrderLevel.PRIMARY,
                order_in={
                    "order_date": day,
                    "seller_location_id": seller,
                    "distributor_id": dist_id,
                    "buyer_location_id": point,
                    "lines": lines,
                },
            )
            self.counts["primary orders"] += 1
            roll = self.rng.random()
            if roll < 0.03:
                orders.cancel(
                    self.s,
                    ctx=ctx,
                    level=OrderLevel.PRIMARY,
                    order_id=order.id,
                    reason="distributor revised the order",
                    on=day,
                )
                continue
            if roll < 0.06 and day >= self.today - timedelta(days=3):
                continue  # a few recent orders are still drafts
            orders.confirm(self.s, ctx=ctx, level=OrderLevel.PRIMARY, order_id=order.id, on=day)
            self.open_primary.append((order, site_code, day + timedelta(days=1)))

    def progress_primary(self, day: date) -> None:
        """Confirmed orders are dispatched the next day and delivered two days after that."""
        still_open = []
        for order, site_code, due in self.open_primary:
            if due > day:
                still_open.append((order, site_code, due))
                continue
            ctx = self.ctx(site_code)
            order_id = order.id
            try:
                if order.status.value == "confirmed":
                    orders.dispatch(
                        self.s, ctx=ctx, level=OrderLevel.PRIMARY, order_id=order_id, on=day
                    )
                    still_open.append((order, site_code, day + timedelta(days=2)))
                elif order.status.value == "dispatched":
                    # The buyer's site receives; its stock point is the serving site's here, so
                    # the receipt also marks the order delivered (goods_receipts' docstring).
                    goods_receipts.receive_primary(self.s, ctx=ctx, order_id=order_id, on=day)
            except InsufficientStock:
                # another order took the stock first: the clerk cancels and re-orders tomorrow
                orders.cancel(
                    self.s,
                    ctx=ctx,
                    level=OrderLevel.PRIMARY,
                    order_id=order_id,
                    reason="short of stock at dispatch",
                    on=day,
                )
        self.open_primary = still_open

    def secondary_orders(self, day: date) -> None:
        """Each retailer buys from its distributor about every two weeks; delivered same day."""
        points = {d[0]: (d[2], d[3]) for d in self.distributors}
        delivered: list[tuple[uuid.UUID, uuid.UUID]] = []  # retailer, order
        for index, (retailer_id, _code, dist_id) in enumerate(self.retailers):
            if (day.toordinal() + index) % 14 != 0:
                continue
            site_code, point = points[dist_id]
            lines = self._lines_in_stock(point, 4, packs=(1, 4))
            if not lines:
                continue
            ctx = self.ctx(site_code)
            order = orders.create_order(
                self.s,
                ctx=ctx,
                level=OrderLevel.SECONDARY,
                order_in={
                    "order_date": day,
                    "distributor_id": dist_id,
                    "retailer_id": retailer_id,
                    "seller_location_id": point,
                    "lines": lines,
                },
            )
            self.counts["secondary orders"] += 1
            if day >= self.today - timedelta(days=1) and self.rng.random() < 0.5:
                continue  # today's orders are not all out yet
            orders.confirm(self.s, ctx=ctx, level=OrderLevel.SECONDARY, order_id=order.id, on=day)
            orders.dispatch(self.s, ctx=ctx, level=OrderLevel.SECONDARY, order_id=order.id, on=day)
            orders.deliver(self.s, ctx=ctx, level=OrderLevel.SECONDARY, order_id=order.id, on=day)
            delivered.append((retailer_id, order.id))
        # what each shop received (the batches the dispatch chose), read once for the day
        moved = stock.moved_by_vouchers(self.s, voucher_ids=[o for _r, o in delivered])
        batches = production_crud.get_batches(
            self.s, (b for rows in moved.values() for _p, b, _q in rows)
        )
        for retailer_id, order_id in delivered:
            bought = self.retailer_batches[retailer_id]
            bought.extend(
                (p, b, batches[b].expires_on if b in batches else None)
                for p, b, _q in moved.get(order_id, [])
            )
            del bought[:-12]  # a shop remembers its recent deliveries

    def tertiary_orders(self, day: date) -> None:
        """Sell-out: a sample of retailers record today's consumer sales, batch as printed."""
        points = {d[0]: d[2] for d in self.distributors}
        stocked = [r for r in self.retailers if self.retailer_batches.get(r[0])]
        if not stocked:
            return
        for retailer_id, _code, dist_id in self.rng.sample(stocked, max(1, len(stocked) // 25)):
            # a shop sells what it still has in date
            bought = [b for b in self.retailer_batches[retailer_id] if b[2] is None or b[2] >= day]
            if not bought:
                continue
            lines = []
            for product_id, batch_id, _expires in self.rng.sample(bought, min(2, len(bought))):
                lines.append(
                    {
                        "product_id": product_id,
                        "batch_id": batch_id,
                        "quantity": self.rng.randrange(1, 4),
                    }
                )
            ctx = self.ctx(points[dist_id])
            order = orders.create_order(
                self.s,
                ctx=ctx,
                level=OrderLevel.TERTIARY,
                order_in={
                    "order_date": day,
                    "retailer_id": retailer_id,
                    "lines": lines,
                    "consumer_name": f"{self.rng.choice(catalog.FIRST_NAMES)} "
                    f"{self.rng.choice(catalog.FAMILY_NAMES)}",
                },
            )
            for step in (orders.confirm, orders.dispatch, orders.deliver):
                step(self.s, ctx=ctx, level=OrderLevel.TERTIARY, order_id=order.id, on=day)
            self.counts["tertiary orders"] += 1
