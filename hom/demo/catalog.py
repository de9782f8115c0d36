"""Names and numbers the demo data set is drawn from. Pure data: no rules, no database.

Geography uses real Indian zones, states and cities; brands and retailers are invented.
Prices are Indian rupees; other currencies are converted by a rough factor and rounded.
"""

from __future__ import annotations

from decimal import Decimal

# zone -> state -> cities (each city becomes a region; its areas and territories are its suburbs
# and markets, named after the city).
GEOGRAPHY: dict[str, dict[str, list[str]]] = {
    "North": {
        "Punjab": ["Ludhiana", "Amritsar"],
        "Haryana": ["Gurugram", "Panipat"],
        "Uttar Pradesh": ["Lucknow", "Kanpur"],
        "Rajasthan": ["Jaipur", "Jodhpur"],
    },
    "West": {
        "Maharashtra": ["Pune", "Mumbai"],
        "Gujarat": ["Ahmedabad", "Surat"],
        "Goa": ["Panaji"],
    },
    "South": {
        "Karnataka": ["Bengaluru", "Mysuru"],
        "Tamil Nadu": ["Chennai", "Coimbatore"],
        "Kerala": ["Kochi", "Thiruvananthapuram"],
        "Telangana": ["Hyderabad", "Warangal"],
    },
    "East": {
        "West Bengal": ["Kolkata", "Siliguri"],
        "Odisha": ["Bhubaneswar", "Cuttack"],
        "Bihar": ["Patna"],
    },
    "Central": {
        "Madhya Pradesh": ["Indore", "Bhopal"],
        "Chhattisgarh": ["Raipur"],
    },
}

AREA_SUFFIXES = ["North", "South"]
TERRITORY_SUFFIXES = ["Market", "Bazaar"]

# code, name, kind, city (region name), what it makes (categories) for factories
FACTORIES = [
    ("FAC01", "Pune plant", "Pune", ("Personal care", "Home care")),
    ("FAC02", "Ludhiana plant", "Ludhiana", ("Foods",)),
    ("FAC03", "Hosur plant", "Bengaluru", ("Beverages", "Foods", "Personal care")),
]
DEPOTS = [
    ("DEP01", "Mumbai depot", "Mumbai"),
    ("DEP02", "Gurugram depot", "Gurugram"),
    ("DEP03", "Chennai depot", "Chennai"),
    ("DEP04", "Kolkata depot", "Kolkata"),
    ("DEP05", "Indore depot", "Indore"),
]

BRANDS = ["Neela", "Suryoday", "Kesar", "Himgiri", "Tara", "Vasant"]

# category -> list of (item, unit, sizes as (label, MRP in INR), pack size, shelf life days or None)
PRODUCT_FAMILIES: dict[str, list[tuple[str, str, list[tuple[str, str]], int, int | None]]] = {
    "Personal care": [
        ("bathing soap", "pcs", [("75 g", "32.00"), ("125 g", "52.00")], 72, 730),
        ("shampoo", "bottle", [("180 ml", "145.00"), ("340 ml", "260.00")], 24, 730),
        ("toothpaste", "tube", [("100 g", "58.00"), ("200 g", "105.00")], 48, 730),
        ("face wash", "tube", [("50 ml", "85.00"), ("100 ml", "160.00")], 48, 540),
        ("talcum powder", "can", [("100 g", "95.00"), ("300 g", "240.00")], 24, 1095),
        ("hair oil", "bottle", [("100 ml", "72.00"), ("200 ml", "135.00")], 24, 720),
    ],
    "Home care": [
        ("detergent powder", "pack", [("500 g", "65.00"), ("1 kg", "122.00")], 24, None),
        ("dishwash bar", "pcs", [("200 g", "20.00"), ("500 g", "45.00")], 72, None),
        ("floor cleaner", "bottle", [("500 ml", "99.00"), ("1 l", "185.00")], 12, None),
        ("toilet cleaner", "bottle", [("500 ml", "92.00"), ("1 l", "172.00")], 12, None),
    ],
    "Foods": [
        ("glucose biscuits", "pack", [("100 g", "10.00"), ("250 g", "25.00")], 96, 180),
        ("cream biscuits", "pack", [("75 g", "20.00"), ("150 g", "40.00")], 96, 180),
        ("instant noodles", "pack", [("70 g", "14.00"), ("280 g", "56.00")], 96, 270),
        ("tea", "pack", [("250 g", "140.00"), ("500 g", "275.00")], 40, 365),
        ("tomato ketchup", "bottle", [("500 g", "115.00"), ("1 kg", "199.00")], 24, 365),
        ("garam masala", "pack", [("50 g", "48.00"), ("100 g", "92.00")], 60, 365),
        ("paneer", "pack", [("200 g", "90.00")], 30, 30),
    ],
    "Beverages": [
        ("mango drink", "bottle", [("250 ml", "20.00"), ("600 ml", "40.00")], 24, 180),
        ("lemon soda", "can", [("300 ml", "40.00")], 24, 240),
        ("energy drink", "can", [("250 ml", "110.00")], 24, 365),
        ("buttermilk", "pack", [("200 ml", "15.00")], 30, 45),
    ],
}
# item -> (HSN code, GST rate in percent). Illustrative rates as notified before the September
# 2025 rationalisation (soap and biscuits 18 %, tea 5 %, aerated drinks 28 %, buttermilk nil):
# a real company sets its own from the rate schedule.
ITEM_GST: dict[str, tuple[str, str]] = {
    "bathing soap": ("3401", "18"),
    "shampoo": ("3305", "18"),
    "toothpaste": ("3306", "18"),
    "face wash": ("3304", "18"),
    "talcum powder": ("3304", "18"),
    "hair oil": ("3305", "18"),
    "detergent powder": ("3402", "18"),
    "dishwash bar": ("3402", "18"),
    "floor cleaner": ("3402", "18"),
    "toilet cleaner": ("3402", "18"),
    "glucose biscuits": ("1905", "18"),
    "cream biscuits": ("1905", "18"),
    "instant noodles": ("1902", "18"),
    "tea": ("0902", "5"),
    "tomato ketchup": ("2103", "12"),
    "garam masala": ("0910", "5"),
    "paneer": ("0406", "5"),
    "mango drink": ("2202", "12"),
    "lemon soda": ("2202", "28"),
    "energy drink": ("2202", "28"),
    "buttermilk": ("0403", "0"),
}

# The company's registered name and PAN: its GSTIN in each state is the state code, this PAN,
# entity number 1, Z and the check character.
COMPANY_NAME = "Neela Consumer Products Pvt Ltd"
COMPANY_PAN = "AABCN4821K"

VARIANTS = ["Classic", "Herbal", "Lemon", "Sandal", "Gold", "Fresh", "Neem", "Rose", "Original"]

# Rough conversion from the rupee prices above (demo only; prices are rounded to 2 places).
CURRENCY_FACTORS: dict[str, Decimal] = {
    "INR": Decimal("1"),
    "BDT": Decimal("1.40"),
    "NPR": Decimal("1.60"),
    "LKR": Decimal("3.50"),
    "PKR": Decimal("3.30"),
    "USD": Decimal("0.012"),
    "EUR": Decimal("0.011"),
    "GBP": Decimal("0.0095"),
    "AED": Decimal("0.044"),
}

# distributor and retailer names
TRADE_WORDS = ["Traders", "Agencies", "Enterprises", "Distributors", "Marketing", "Sales"]
SHOP_WORDS = [
    "General Store",
    "Kirana",
    "Provision Store",
    "Supermarket",
    "Medical & General",
    "Mart",
    "Stores",
    "Departmental Store",
]
FAMILY_NAMES = [
    "Sharma",
    "Patel",
    "Reddy",
    "Iyer",
    "Nair",
    "Singh",
    "Gupta",
    "Das",
    "Khan",
    "Joshi",
    "Kulkarni",
    "Mehta",
    "Rao",
    "Banerjee",
    "Chopra",
    "Pillai",
    "Yadav",
    "Agarwal",
    "Shetty",
    "Verma",
    "Mishra",
    "Bose",
    "Menon",
    "Jain",
    "Naidu",
]
FIRST_NAMES = [
    "Aarav",
    "Vivaan",
    "Ananya",
    "Diya",
    "Ishaan",
    "Kavya",
    "Rohan",
    "Meera",
    "Arjun",
    "Priya",
    "Sai",
    "Lakshmi",
    "Farhan",
    "Neha",
    "Vikram",
    "Pooja",
]

DEMO_PASSWORD = "demo-pass-2026"
DEMO_USERS = [
    ("admin", "Asha Kulkarni", ["admin"]),
    ("manager", "Rahul Mehta", ["manager"]),
    ("clerk", "Sunil Patil", ["depot clerk"]),
    ("factory", "Meena Joshi", ["factory staff"]),
]

STATE_CODES: dict[str, str] = {
    "Punjab": "PB",
    "Haryana": "HR",
    "Uttar Pradesh": "UP",
    "Rajasthan": "RJ",
    "Maharashtra": "MH",
    "Gujarat": "GJ",
    "Goa": "GA",
    "Karnataka": "KA",
    "Tamil Nadu": "TN",
    "Kerala": "KL",
    "Telangana": "TG",
    "West Bengal": "WB",
    "Odisha": "OD",
    "Bihar": "BR",
    "Madhya Pradesh": "MP",
    "Chhattisgarh": "CG",
}

# Which site sells to (and keeps the stock of) the distributors of each state.
SERVING_SITE: dict[str, str] = {
    "Maharashtra": "FAC01",
    "Goa": "FAC01",
    "Gujarat": "DEP01",
    "Punjab": "DEP02",
    "Haryana": "DEP02",
    "Uttar Pradesh": "DEP02",
    "Rajasthan": "DEP02",
    "Karnataka": "DEP03",
    "Tamil Nadu": "DEP03",
    "Kerala": "DEP03",
    "Telangana": "DEP03",
    "West Bengal": "DEP04",
    "Odisha": "DEP04",
    "Bihar": "DEP04",
    "Madhya Pradesh": "DEP05",
    "Chhattisgarh": "DEP05",
}
