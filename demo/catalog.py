"""The demo catalog and refurbishers: static data only, loaded by ``generate``.

Launch prices are the makers' US list prices in whole dollars per storage size;
prices in the euro markets follow from ``NEW_PRICE_FACTORS``, as makers' euro
prices (VAT included) sit about a fifth above their dollar prices.
"""

from __future__ import annotations

from dataclasses import dataclass

# The year device ages (and so refurbished prices) are computed against; fixed so
# that a seed gives the same prices whatever the date.
CATALOG_YEAR = 2025

# New price in a market = US launch price x factor, rounded to a price ending in 9.
NEW_PRICE_FACTORS = {
    "US": 1.0,
    "FR": 1.213,
    "BE": 1.213,
    "DE": 1.188,
    "IT": 1.225,
    "ES": 1.2,
}


@dataclass(frozen=True)
class CategorySpec:
    slug: str
    name: str
    kind: str
    description: str


CATEGORIES = [
    CategorySpec(
        "smartphones",
        "Smartphones",
        "phone",
        "Unlocked iPhone, Galaxy and Pixel phones, tested on 30+ points and "
        "wiped by professional refurbishers.",
    ),
    CategorySpec(
        "laptops",
        "Laptops",
        "laptop",
        "MacBook, XPS, ThinkPad and Surface laptops with a checked battery, a "
        "securely erased drive and a fresh operating system.",
    ),
    CategorySpec(
        "tablets",
        "Tablets",
        "tablet",
        "iPad and Galaxy Tab tablets, Wi-Fi or cellular, with screens and "
        "batteries checked before they ship.",
    ),
    CategorySpec(
        "smartwatches",
        "Smartwatches",
        "watch",
        "Apple Watch, Galaxy Watch, Pixel Watch and Garmin watches, sensors and "
        "battery tested, ready to pair.",
    ),
    CategorySpec(
        "game-consoles",
        "Game consoles",
        "console",
        "PlayStation, Xbox, Nintendo Switch and Steam Deck consoles, cleaned, "
        "tested with real games and reset to factory settings.",
    ),
]

BRANDS = [
    "Apple",
    "Samsung",
    "Google",
    "OnePlus",
    "Xiaomi",
    "Dell",
    "Lenovo",
    "HP",
    "Microsoft",
    "Sony",
    "Nintendo",
    "Valve",
    "Garmin",
]


@dataclass(frozen=True)
class DeviceSpec:
    """One device model and the variants it was sold in."""

    code: str  # SKU stem, e.g. "IP13"
    brand: str
    name: str
    category: str  # category slug
    release_year: int
    # Storage in GB (None for watches) -> US launch price in dollars.
    prices: dict[int | None, int]
    colours: tuple[tuple[str, str], ...]
    specs: dict[str, str]
    # Extra for the cellular model of a tablet or watch; None: Wi-Fi/GPS only.
    cellular_extra: int | None = None
    cellular_only: bool = False
    has_battery: bool = True
    popularity: float = 1.0


# --- Colours ------------------------------------------------------------------
# fmt: off
RED = ("(PRODUCT)RED", "#ba0c2e")
IPHONE_11 = (("Black", "#1f2020"), ("White", "#f9f6ef"), ("Purple", "#d1cdda"),
             ("Green", "#aee1cd"), ("Yellow", "#ffe681"), RED)
IPHONE_11_PRO = (("Midnight Green", "#4e5851"), ("Space Gray", "#535150"),
                 ("Silver", "#ebebe3"), ("Gold", "#fad7bd"))
IPHONE_12 = (("Black", "#25212b"), ("White", "#f6f2ef"), ("Blue", "#023b63"),
             ("Green", "#d8efd5"), ("Purple", "#b7afe6"), RED)
IPHONE_12_PRO = (("Pacific Blue", "#2f4452"), ("Graphite", "#52514f"),
                 ("Silver", "#e3e4df"), ("Gold", "#fcebd3"))
IPHONE_13 = (("Midnight", "#232a31"), ("Starlight", "#faf6f2"), ("Blue", "#276787"),
             ("Pink", "#faddd7"), ("Green", "#394c38"), RED)
IPHONE_13_PRO = (("Graphite", "#54524f"), ("Gold", "#fae7cf"), ("Silver", "#f1f2ed"),
                 ("Sierra Blue", "#a7c1d9"), ("Alpine Green", "#576856"))
IPHONE_14 = (("Midnight", "#222930"), ("Starlight", "#faf6f2"), ("Blue", "#a0b4c7"),
             ("Purple", "#e5ddea"), ("Yellow", "#f9e479"), RED)
IPHONE_14_PRO = (("Space Black", "#403e3d"), ("Silver", "#f0f2f2"),
                 ("Gold", "#f4e8ce"), ("Deep Purple", "#594f63"))
IPHONE_15 = (("Black", "#35393b"), ("Blue", "#d4e4ef"), ("Green", "#e3e9d9"),
             ("Yellow", "#f5e9b9"), ("Pink", "#f1d9df"))
IPHONE_15_PRO = (("Natural Titanium", "#bab4a9"), ("Blue Titanium", "#2f4452"),
                 ("White Titanium", "#f2f1eb"), ("Black Titanium", "#3c3c3d"))
IPHONE_SE = (("Midnight", "#232a31"), ("Starlight", "#faf6f2"), RED)
GALAXY_S21 = (("Phantom Gray", "#5c5e62"), ("Phantom White", "#f2f2f2"),
              ("Phantom Violet", "#a79cc5"), ("Phantom Pink", "#f0c6c2"))
GALAXY_S21_ULTRA = (("Phantom Black", "#2b2b2b"), ("Phantom Silver", "#c0c2c4"))
GALAXY_S22 = (("Phantom Black", "#2b2b2d"), ("Phantom White", "#f5f5f0"),
              ("Green", "#4b5c4e"), ("Pink Gold", "#f2d6c9"))
GALAXY_S22_ULTRA = (("Phantom Black", "#2b2b2d"), ("Phantom White", "#f5f5f0"),
                    ("Burgundy", "#6b2c35"), ("Green", "#4b5c4e"))
GALAXY_S23 = (("Phantom Black", "#2f2f31"), ("Cream", "#efe8dc"),
              ("Green", "#bcc6b5"), ("Lavender", "#dcd5ec"))
GALAXY_S24 = (("Onyx Black", "#2e2e30"), ("Marble Grey", "#c9c9c7"),
              ("Cobalt Violet", "#6c5fa6"), ("Amber Yellow", "#f3d98b"))
GALAXY_S24_ULTRA = (("Titanium Black", "#3d3d3d"), ("Titanium Gray", "#8b8a87"),
                    ("Titanium Violet", "#5e5570"), ("Titanium Yellow", "#e7d9a4"))
MAC_CLASSIC = (("Space Gray", "#7d7e80"), ("Silver", "#e3e4e5"))
MAC_M2 = (("Midnight", "#2e3642"), ("Starlight", "#f0e4d3"), *MAC_CLASSIC)
APPLE_WATCH = (("Midnight", "#232a31"), ("Starlight", "#faf6f2"),
               ("Silver", "#e3e4e5"), RED)
# fmt: on

SMARTPHONE = "smartphones"
LAPTOP = "laptops"
TABLET = "tablets"
WATCH = "smartwatches"
CONSOLE = "game-consoles"


def _phone(screen: str, chip: str, camera: str, ram: str) -> dict[str, str]:
    return {"Screen": screen, "Chip": chip, "Camera": camera, "RAM": ram}


def _computer(screen: str, chip: str, ram: str, extra: str = "") -> dict[str, str]:
    specs = {"Screen": screen, "Chip": chip, "RAM": ram}
    if extra:
        specs["Ports"] = extra
    return specs


DEVICES = [
    # --- Apple phones --------------------------------------------------------
    DeviceSpec("IP11", "Apple", "iPhone 11", SMARTPHONE, 2019,
               {64: 699, 128: 749, 256: 849}, IPHONE_11,
               _phone("6.1-inch Liquid Retina LCD", "A13 Bionic",
                      "12 MP dual", "4 GB"), popularity=1.3),
    DeviceSpec("IP11P", "Apple", "iPhone 11 Pro", SMARTPHONE, 2019,
               {64: 999, 256: 1149, 512: 1349}, IPHONE_11_PRO,
               _phone("5.8-inch Super Retina XDR OLED", "A13 Bionic",
                      "12 MP triple", "4 GB")),
    DeviceSpec("IP11PM", "Apple", "iPhone 11 Pro Max", SMARTPHONE, 2019,
               {64: 1099, 256: 1249, 512: 1449}, IPHONE_11_PRO,
               _phone("6.5-inch Super Retina XDR OLED", "A13 Bionic",
                      "12 MP triple", "4 GB")),
    DeviceSpec("IP12M", "Apple", "iPhone 12 mini", SMARTPHONE, 2020,
               {64: 699, 128: 749, 256: 849}, IPHONE_12,
               _phone("5.4-inch Super Retina XDR OLED", "A14 Bionic",
                      "12 MP dual", "4 GB"), popularity=0.6),
    DeviceSpec("IP12", "Apple", "iPhone 12", SMARTPHONE, 2020,
               {64: 799, 128: 849, 256: 949}, IPHONE_12,
               _phone("6.1-inch Super Retina XDR OLED", "A14 Bionic",
                      "12 MP dual", "4 GB"), popularity=1.4),
    DeviceSpec("IP12P", "Apple", "iPhone 12 Pro", SMARTPHONE, 2020,
               {128: 999, 256: 1099, 512: 1299}, IPHONE_12_PRO,
               _phone("6.1-inch Super Retina XDR OLED", "A14 Bionic",
                      "12 MP triple with LiDAR", "6 GB")),
    DeviceSpec("IP12PM", "Apple", "iPhone 12 Pro Max", SMARTPHONE, 2020,
               {128: 1099, 256: 1199, 512: 1399}, IPHONE_12_PRO,
               _phone("6.7-inch Super Retina XDR OLED", "A14 Bionic",
                      "12 MP triple with LiDAR", "6 GB")),
    DeviceSpec("IP13M", "Apple", "iPhone 13 mini", SMARTPHONE, 2021,
               {128: 699, 256: 799, 512: 999}, IPHONE_13,
               _phone("5.4-inch Super Retina XDR OLED", "A15 Bionic",
                      "12 MP dual", "4 GB"), popularity=0.6),
    DeviceSpec("IP13", "Apple", "iPhone 13", SMARTPHONE, 2021,
               {128: 799, 256: 899, 512: 1099}, IPHONE_13,
               _phone("6.1-inch Super Retina XDR OLED", "A15 Bionic",
                      "12 MP dual", "4 GB"), popularity=1.6),
    DeviceSpec("IP13P", "Apple", "iPhone 13 Pro", SMARTPHONE, 2021,
               {128: 999, 256: 1099, 512: 1299, 1024: 1499}, IPHONE_13_PRO,
               _phone("6.1-inch ProMotion OLED, 120 Hz", "A15 Bionic",
                      "12 MP triple with LiDAR", "6 GB"), popularity=1.2),
    DeviceSpec("IP13PM", "Apple", "iPhone 13 Pro Max", SMARTPHONE, 2021,
               {128: 1099, 256: 1199, 512: 1399, 1024: 1599}, IPHONE_13_PRO,
               _phone("6.7-inch ProMotion OLED, 120 Hz", "A15 Bionic",
                      "12 MP triple with LiDAR", "6 GB")),
    DeviceSpec("IP14", "Apple", "iPhone 14", SMARTPHONE, 2022,
               {128: 799, 256: 899, 512: 1099}, IPHONE_14,
               _phone("6.1-inch Super Retina XDR OLED", "A15 Bionic (5-core GPU)",
                      "12 MP dual", "6 GB"), popularity=1.4),
    DeviceSpec("IP14PL", "Apple", "iPhone 14 Plus", SMARTPHONE, 2022,
               {128: 899, 256: 999, 512: 1199}, IPHONE_14,
               _phone("6.7-inch Super Retina XDR OLED", "A15 Bionic (5-core GPU)",
                      "12 MP dual", "6 GB"), popularity=0.7),
    DeviceSpec("IP14P", "Apple", "iPhone 14 Pro", SMARTPHONE, 2022,
               {128: 999, 256: 1099, 512: 1299, 1024: 1499}, IPHONE_14_PRO,
               _phone("6.1-inch ProMotion OLED, Always-On", "A16 Bionic",
                      "48 MP triple", "6 GB"), popularity=1.2),
    DeviceSpec("IP14PM", "Apple", "iPhone 14 Pro Max", SMARTPHONE, 2022,
               {128: 1099, 256: 1199, 512: 1399, 1024: 1599}, IPHONE_14_PRO,
               _phone("6.7-inch ProMotion OLED, Always-On", "A16 Bionic",
                      "48 MP triple", "6 GB")),
    DeviceSpec("IP15", "Apple", "iPhone 15", SMARTPHONE, 2023,
               {128: 799, 256: 899, 512: 1099}, IPHONE_15,
               _phone("6.1-inch Super Retina XDR OLED", "A16 Bionic",
                      "48 MP dual", "6 GB"), popularity=1.2),
    DeviceSpec("IP15PL", "Apple", "iPhone 15 Plus", SMARTPHONE, 2023,
               {128: 899, 256: 999, 512: 1199}, IPHONE_15,
               _phone("6.7-inch Super Retina XDR OLED", "A16 Bionic",
                      "48 MP dual", "6 GB"), popularity=0.6),
    DeviceSpec("IP15P", "Apple", "iPhone 15 Pro", SMARTPHONE, 2023,
               {128: 999, 256: 1099, 512: 1299, 1024: 1499}, IPHONE_15_PRO,
               _phone("6.1-inch ProMotion OLED, Always-On", "A17 Pro",
                      "48 MP triple", "8 GB")),
    DeviceSpec("IP15PM", "Apple", "iPhone 15 Pro Max", SMARTPHONE, 2023,
               {256: 1199, 512: 1399, 1024: 1599}, IPHONE_15_PRO,
               _phone("6.7-inch ProMotion OLED, Always-On", "A17 Pro",
                      "48 MP triple, 5x telephoto", "8 GB")),
    DeviceSpec("IPSE3", "Apple", "iPhone SE (3rd generation)", SMARTPHONE, 2022,
               {64: 429, 128: 479, 256: 579}, IPHONE_SE,
               _phone("4.7-inch Retina HD LCD", "A15 Bionic", "12 MP", "4 GB"),
               popularity=0.8),
    # --- Samsung phones ------------------------------------------------------
    DeviceSpec("GS21", "Samsung", "Galaxy S21 5G", SMARTPHONE, 2021,
               {128: 799, 256: 849}, GALAXY_S21,
               _phone("6.2-inch Dynamic AMOLED 2X, 120 Hz", "Exynos 2100",
                      "12 MP triple", "8 GB")),
    DeviceSpec("GS21U", "Samsung", "Galaxy S21 Ultra 5G", SMARTPHONE, 2021,
               {128: 1199, 256: 1249, 512: 1379}, GALAXY_S21_ULTRA,
               _phone("6.8-inch Dynamic AMOLED 2X, 120 Hz", "Exynos 2100",
                      "108 MP quad", "12 GB"), popularity=0.7),
    DeviceSpec("GS22", "Samsung", "Galaxy S22", SMARTPHONE, 2022,
               {128: 799, 256: 849}, GALAXY_S22,
               _phone("6.1-inch Dynamic AMOLED 2X, 120 Hz", "Exynos 2200",
                      "50 MP triple", "8 GB")),
    DeviceSpec("GS22U", "Samsung", "Galaxy S22 Ultra", SMARTPHONE, 2022,
               {128: 1199, 256: 1299, 512: 1399}, GALAXY_S22_ULTRA,
               _phone("6.8-inch Dynamic AMOLED 2X, 120 Hz", "Exynos 2200",
                      "108 MP quad, S Pen", "12 GB"), popularity=0.8),
    DeviceSpec("GS23", "Samsung", "Galaxy S23", SMARTPHONE, 2023,
               {128: 799, 256: 859}, GALAXY_S23,
               _phone("6.1-inch Dynamic AMOLED 2X, 120 Hz",
                      "Snapdragon 8 Gen 2 for Galaxy", "50 MP triple", "8 GB")),
    DeviceSpec("GS23U", "Samsung", "Galaxy S23 Ultra", SMARTPHONE, 2023,
               {256: 1199, 512: 1379, 1024: 1619}, GALAXY_S23,
               _phone("6.8-inch Dynamic AMOLED 2X, 120 Hz",
                      "Snapdragon 8 Gen 2 for Galaxy", "200 MP quad, S Pen",
                      "12 GB"), popularity=0.8),
    DeviceSpec("GS24", "Samsung", "Galaxy S24", SMARTPHONE, 2024,
               {128: 799, 256: 859}, GALAXY_S24,
               _phone("6.2-inch Dynamic AMOLED 2X, 120 Hz", "Exynos 2400",
                      "50 MP triple", "8 GB")),
    DeviceSpec("GS24U", "Samsung", "Galaxy S24 Ultra", SMARTPHONE, 2024,
               {256: 1299, 512: 1419, 1024: 1659}, GALAXY_S24_ULTRA,
               _phone("6.8-inch Dynamic AMOLED 2X, 120 Hz",
                      "Snapdragon 8 Gen 3 for Galaxy", "200 MP quad, S Pen",
                      "12 GB"), popularity=0.7),
    DeviceSpec("GZF5", "Samsung", "Galaxy Z Flip5", SMARTPHONE, 2023,
               {256: 999, 512: 1119},
               (("Mint", "#cde6d6"), ("Graphite", "#474747"), ("Cream", "#f2ead8"),
                ("Lavender", "#cdc5e3")),
               _phone("6.7-inch foldable Dynamic AMOLED 2X",
                      "Snapdragon 8 Gen 2 for Galaxy", "12 MP dual", "8 GB"),
               popularity=0.5),
    DeviceSpec("GA54", "Samsung", "Galaxy A54 5G", SMARTPHONE, 2023,
               {128: 449, 256: 499},
               (("Awesome Graphite", "#343434"), ("Awesome White", "#f4f4f4"),
                ("Awesome Violet", "#c8b9dd"), ("Awesome Lime", "#dfeab0")),
               _phone("6.4-inch Super AMOLED, 120 Hz", "Exynos 1380",
                      "50 MP triple", "8 GB"), popularity=0.8),
    # --- Google phones -------------------------------------------------------
    DeviceSpec("PX6", "Google", "Pixel 6", SMARTPHONE, 2021,
               {128: 599, 256: 699},
               (("Stormy Black", "#3f3f3f"), ("Sorta Seafoam", "#cfe1d5"),
                ("Kinda Coral", "#f4b8a3")),
               _phone("6.4-inch OLED, 90 Hz", "Google Tensor", "50 MP dual",
                      "8 GB")),
    DeviceSpec("PX6P", "Google", "Pixel 6 Pro", SMARTPHONE, 2021,
               {128: 899, 256: 999, 512: 1099},
               (("Stormy Black", "#3f3f3f"), ("Cloudy White", "#f2f1ed"),
                ("Sorta Sunny", "#f5eaa7")),
               _phone("6.7-inch LTPO OLED, 120 Hz", "Google Tensor",
                      "50 MP triple", "12 GB"), popularity=0.6),
    DeviceSpec("PX7", "Google", "Pixel 7", SMARTPHONE, 2022,
               {128: 599, 256: 699},
               (("Obsidian", "#2f2f2f"), ("Snow", "#f3f3f0"),
                ("Lemongrass", "#d8dfa9")),
               _phone("6.3-inch OLED, 90 Hz", "Google Tensor G2", "50 MP dual",
                      "8 GB")),
    DeviceSpec("PX7P", "Google", "Pixel 7 Pro", SMARTPHONE, 2022,
               {128: 899, 256: 999, 512: 1099},
               (("Obsidian", "#2f2f2f"), ("Snow", "#f3f3f0"), ("Hazel", "#7a8b7a")),
               _phone("6.7-inch LTPO OLED, 120 Hz", "Google Tensor G2",
                      "50 MP triple", "12 GB"), popularity=0.6),
    DeviceSpec("PX8", "Google", "Pixel 8", SMARTPHONE, 2023,
               {128: 699, 256: 759},
               (("Obsidian", "#2f2f2f"), ("Hazel", "#8d968c"), ("Rose", "#f0d1c9")),
               _phone("6.2-inch Actua OLED, 120 Hz", "Google Tensor G3",
                      "50 MP dual", "8 GB")),
    DeviceSpec("PX8P", "Google", "Pixel 8 Pro", SMARTPHONE, 2023,
               {128: 999, 256: 1059, 512: 1179},
               (("Obsidian", "#2f2f2f"), ("Porcelain", "#e8e3da"), ("Bay", "#a8c6e6")),
               _phone("6.7-inch Super Actua LTPO OLED, 120 Hz", "Google Tensor G3",
                      "50 MP triple", "12 GB"), popularity=0.6),
    # --- OnePlus and Xiaomi phones --------------------------------------------
    DeviceSpec("OP11", "OnePlus", "11 5G", SMARTPHONE, 2023,
               {128: 699, 256: 799},
               (("Titan Black", "#2c2c2c"), ("Eternal Green", "#1f4b3a")),
               _phone("6.7-inch AMOLED, 120 Hz", "Snapdragon 8 Gen 2",
                      "50 MP triple, Hasselblad", "8 GB"), popularity=0.6),
    DeviceSpec("OP12", "OnePlus", "12", SMARTPHONE, 2024,
               {256: 799, 512: 899},
               (("Silky Black", "#1e1e1e"), ("Flowy Emerald", "#1e5c4a")),
               _phone("6.82-inch LTPO AMOLED, 120 Hz", "Snapdragon 8 Gen 3",
                      "50 MP triple, Hasselblad", "12 GB"), popularity=0.5),
    DeviceSpec("XM13", "Xiaomi", "13", SMARTPHONE, 2023,
               {256: 829},
               (("Black", "#2a2a2a"), ("White", "#f3f3f3"),
                ("Flora Green", "#b9cdb8")),
               _phone("6.36-inch AMOLED, 120 Hz", "Snapdragon 8 Gen 2",
                      "50 MP triple, Leica", "8 GB"), popularity=0.5),
    DeviceSpec("XM13TP", "Xiaomi", "13T Pro", SMARTPHONE, 2023,
               {512: 659, 1024: 739},
               (("Black", "#2a2a2a"), ("Meadow Green", "#7f9c84"),
                ("Alpine Blue", "#8fb3d4")),
               _phone("6.67-inch AMOLED, 144 Hz", "MediaTek Dimensity 9200+",
                      "50 MP triple, Leica", "12 GB"), popularity=0.5),
    # --- Laptops -------------------------------------------------------------
    DeviceSpec("MBA-M1", "Apple", "MacBook Air 13-inch (M1, 2020)", LAPTOP, 2020,
               {256: 999, 512: 1249},
               (*MAC_CLASSIC, ("Gold", "#e5cfc0")),
               _computer("13.3-inch Retina IPS", "Apple M1 (8-core CPU)", "8 GB",
                         "2x Thunderbolt / USB 4"), popularity=1.8),
    DeviceSpec("MBA-M2", "Apple", "MacBook Air 13-inch (M2, 2022)", LAPTOP, 2022,
               {256: 1199, 512: 1499}, MAC_M2,
               _computer("13.6-inch Liquid Retina", "Apple M2 (8-core CPU)",
                         "8 GB", "MagSafe 3, 2x Thunderbolt / USB 4"),
               popularity=1.5),
    DeviceSpec("MBA15-M2", "Apple", "MacBook Air 15-inch (M2, 2023)", LAPTOP, 2023,
               {256: 1299, 512: 1499}, MAC_M2,
               _computer("15.3-inch Liquid Retina", "Apple M2 (8-core CPU)",
                         "8 GB", "MagSafe 3, 2x Thunderbolt / USB 4"),
               popularity=0.8),
    DeviceSpec("MBP14-M1P", "Apple", "MacBook Pro 14-inch (M1 Pro, 2021)", LAPTOP,
               2021, {512: 1999, 1024: 2499}, MAC_CLASSIC,
               _computer("14.2-inch Liquid Retina XDR, 120 Hz",
                         "Apple M1 Pro (8-core CPU)", "16 GB",
                         "MagSafe 3, 3x Thunderbolt 4, HDMI, SDXC")),
    DeviceSpec("MBP14-M3", "Apple", "MacBook Pro 14-inch (M3, 2023)", LAPTOP, 2023,
               {512: 1599, 1024: 1799}, MAC_CLASSIC,
               _computer("14.2-inch Liquid Retina XDR, 120 Hz",
                         "Apple M3 (8-core CPU)", "8 GB",
                         "MagSafe 3, 2x Thunderbolt / USB 4, HDMI, SDXC")),
    DeviceSpec("MBP16-M1P", "Apple", "MacBook Pro 16-inch (M1 Pro, 2021)", LAPTOP,
               2021, {512: 2499, 1024: 2699}, MAC_CLASSIC,
               _computer("16.2-inch Liquid Retina XDR, 120 Hz",
                         "Apple M1 Pro (10-core CPU)", "16 GB",
                         "MagSafe 3, 3x Thunderbolt 4, HDMI, SDXC"),
               popularity=0.7),
    DeviceSpec("XPS13", "Dell", "XPS 13 9315", LAPTOP, 2022,
               {256: 999, 512: 1199},
               (("Sky", "#d3dde1"), ("Umber", "#5b4c4b")),
               _computer("13.4-inch FHD+ 500-nit", "Intel Core i5-1230U",
                         "8 GB", "2x Thunderbolt 4")),
    DeviceSpec("XPS15", "Dell", "XPS 15 9520", LAPTOP, 2022,
               {512: 1499, 1024: 1799}, (("Platinum Silver", "#c9c9c9"),),
               _computer("15.6-inch FHD+ InfinityEdge", "Intel Core i7-12700H",
                         "16 GB", "2x Thunderbolt 4, USB-C, SD"), popularity=0.7),
    DeviceSpec("X1C10", "Lenovo", "ThinkPad X1 Carbon Gen 10", LAPTOP, 2022,
               {256: 1399, 512: 1549, 1024: 1749}, (("Black", "#1b1b1b"),),
               _computer("14-inch WUXGA IPS", "Intel Core i7-1260P", "16 GB",
                         "2x Thunderbolt 4, 2x USB-A, HDMI"), popularity=1.2),
    DeviceSpec("T14G3", "Lenovo", "ThinkPad T14 Gen 3", LAPTOP, 2022,
               {256: 1099, 512: 1229}, (("Thunder Black", "#232323"),),
               _computer("14-inch WUXGA IPS", "Intel Core i5-1245U", "16 GB",
                         "Thunderbolt 4, 2x USB-A, HDMI, Ethernet")),
    DeviceSpec("SPX360", "HP", "Spectre x360 14", LAPTOP, 2021,
               {512: 1299, 1024: 1599},
               (("Nightfall Black", "#2a2a2c"), ("Natural Silver", "#c0c0c0")),
               _computer("13.5-inch 3K2K OLED touch", "Intel Core i7-1165G7",
                         "16 GB", "2x Thunderbolt 4, USB-A, microSD"),
               popularity=0.6),
    DeviceSpec("EB840G8", "HP", "EliteBook 840 G8", LAPTOP, 2021,
               {256: 1149, 512: 1299}, (("Silver", "#c4c6c8"),),
               _computer("14-inch FHD IPS", "Intel Core i5-1145G7", "16 GB",
                         "2x Thunderbolt 4, 2x USB-A, HDMI")),
    DeviceSpec("SL5", "Microsoft", "Surface Laptop 5 13.5-inch", LAPTOP, 2022,
               {256: 999, 512: 1299},
               (("Platinum", "#d9d9d6"), ("Matte Black", "#2b2b2b"),
                ("Sage", "#a9b5a1"), ("Sandstone", "#e3cfc1")),
               _computer("13.5-inch PixelSense touch", "Intel Core i5-1235U",
                         "8 GB", "Thunderbolt 4, USB-A, Surface Connect")),
    # --- Tablets -------------------------------------------------------------
    DeviceSpec("IPAD9", "Apple", "iPad (9th generation)", TABLET, 2021,
               {64: 329, 256: 479}, MAC_CLASSIC,
               {"Screen": "10.2-inch Retina", "Chip": "A13 Bionic",
                "Camera": "8 MP, 12 MP ultra wide front", "Port": "Lightning"},
               cellular_extra=130, popularity=1.4),
    DeviceSpec("IPAD10", "Apple", "iPad (10th generation)", TABLET, 2022,
               {64: 449, 256: 599},
               (("Silver", "#e3e4e5"), ("Blue", "#9ec3e6"), ("Pink", "#f2b8c6"),
                ("Yellow", "#f6dc6f")),
               {"Screen": "10.9-inch Liquid Retina", "Chip": "A14 Bionic",
                "Camera": "12 MP", "Port": "USB-C"},
               cellular_extra=150, popularity=1.2),
    DeviceSpec("IPADAIR5", "Apple", "iPad Air (5th generation)", TABLET, 2022,
               {64: 599, 256: 749},
               (("Space Gray", "#7d7e80"), ("Starlight", "#f0e4d3"),
                ("Pink", "#f2c9cc"), ("Purple", "#b8b3d7"), ("Blue", "#8ca6c4")),
               {"Screen": "10.9-inch Liquid Retina", "Chip": "Apple M1",
                "Camera": "12 MP", "Port": "USB-C"}, cellular_extra=150),
    DeviceSpec("IPADPRO11-M2", "Apple", "iPad Pro 11-inch (4th generation)", TABLET,
               2022, {128: 799, 256: 899, 512: 1099, 1024: 1499}, MAC_CLASSIC,
               {"Screen": "11-inch Liquid Retina, ProMotion", "Chip": "Apple M2",
                "Camera": "12 MP wide + 10 MP ultra wide, LiDAR",
                "Port": "Thunderbolt / USB 4"}, cellular_extra=200),
    DeviceSpec("IPADPRO13-M2", "Apple", "iPad Pro 12.9-inch (6th generation)",
               TABLET, 2022, {128: 1099, 256: 1199, 512: 1399, 1024: 1799},
               MAC_CLASSIC,
               {"Screen": "12.9-inch Liquid Retina XDR, ProMotion",
                "Chip": "Apple M2", "Camera": "12 MP wide + 10 MP ultra wide, LiDAR",
                "Port": "Thunderbolt / USB 4"}, cellular_extra=200, popularity=0.7),
    DeviceSpec("IPADMINI6", "Apple", "iPad mini (6th generation)", TABLET, 2021,
               {64: 499, 256: 649},
               (("Space Gray", "#7d7e80"), ("Pink", "#f2c9cc"), ("Purple", "#b8b3d7"),
                ("Starlight", "#f0e4d3")),
               {"Screen": "8.3-inch Liquid Retina", "Chip": "A15 Bionic",
                "Camera": "12 MP", "Port": "USB-C"}, cellular_extra=150,
               popularity=0.7),
    DeviceSpec("GTS8", "Samsung", "Galaxy Tab S8", TABLET, 2022,
               {128: 699, 256: 779},
               (("Graphite", "#4a4a4c"), ("Silver", "#d3d4d6"),
                ("Pink Gold", "#ecc9bd")),
               {"Screen": "11-inch LTPS TFT, 120 Hz",
                "Chip": "Snapdragon 8 Gen 1", "Camera": "13 MP + 6 MP ultra wide",
                "RAM": "8 GB"}, cellular_extra=100),
    DeviceSpec("GTS9", "Samsung", "Galaxy Tab S9", TABLET, 2023,
               {128: 799, 256: 919}, (("Graphite", "#4a4a4c"), ("Beige", "#e6dccb")),
               {"Screen": "11-inch Dynamic AMOLED 2X, 120 Hz",
                "Chip": "Snapdragon 8 Gen 2 for Galaxy", "Camera": "13 MP",
                "RAM": "8 GB"}, cellular_extra=100),
    # --- Smartwatches --------------------------------------------------------
    DeviceSpec("AWS7", "Apple", "Watch Series 7", WATCH, 2021,
               {None: 399},
               (("Midnight", "#232a31"), ("Starlight", "#faf6f2"),
                ("Green", "#3c4a3e"), ("Blue", "#37465e"), RED),
               {"Case": "41 or 45 mm aluminium", "Display": "Always-On Retina",
                "Chip": "S7 SiP", "Sensors": "ECG, blood oxygen"},
               cellular_extra=100, popularity=1.2),
    DeviceSpec("AWS8", "Apple", "Watch Series 8", WATCH, 2022,
               {None: 399}, APPLE_WATCH,
               {"Case": "41 or 45 mm aluminium", "Display": "Always-On Retina",
                "Chip": "S8 SiP", "Sensors": "ECG, blood oxygen, temperature"},
               cellular_extra=100, popularity=1.2),
    DeviceSpec("AWS9", "Apple", "Watch Series 9", WATCH, 2023,
               {None: 399}, (*APPLE_WATCH, ("Pink", "#f4d7d6")),
               {"Case": "41 or 45 mm aluminium", "Display": "Always-On Retina",
                "Chip": "S9 SiP", "Sensors": "ECG, blood oxygen, temperature"},
               cellular_extra=100),
    DeviceSpec("AWSE2", "Apple", "Watch SE (2nd generation)", WATCH, 2022,
               {None: 249}, APPLE_WATCH[:3],
               {"Case": "40 or 44 mm aluminium", "Display": "Retina",
                "Chip": "S8 SiP", "Sensors": "heart rate, crash detection"},
               cellular_extra=50, popularity=1.2),
    DeviceSpec("AWU", "Apple", "Watch Ultra", WATCH, 2022,
               {None: 799}, (("Titanium", "#c9c5bd"),),
               {"Case": "49 mm titanium", "Display": "Always-On Retina, 2000 nits",
                "Chip": "S8 SiP", "Battery life": "up to 36 hours"},
               cellular_extra=0, cellular_only=True, popularity=0.6),
    DeviceSpec("GW5", "Samsung", "Galaxy Watch5", WATCH, 2022,
               {None: 279},
               (("Graphite", "#3e3e40"), ("Silver", "#d3d4d6"),
                ("Pink Gold", "#ecc9bd")),
               {"Case": "40 or 44 mm aluminium", "Display": "Super AMOLED",
                "Chip": "Exynos W920", "Sensors": "BioActive, temperature"},
               cellular_extra=50, popularity=0.8),
    DeviceSpec("GW6", "Samsung", "Galaxy Watch6", WATCH, 2023,
               {None: 299},
               (("Graphite", "#3e3e40"), ("Silver", "#d3d4d6"), ("Gold", "#e6cfa8")),
               {"Case": "40 or 44 mm aluminium", "Display": "Super AMOLED",
                "Chip": "Exynos W930", "Sensors": "BioActive, temperature"},
               cellular_extra=50, popularity=0.8),
    DeviceSpec("PXW", "Google", "Pixel Watch", WATCH, 2022,
               {None: 349},
               (("Matte Black", "#2b2b2b"), ("Polished Silver", "#d9d9d9"),
                ("Champagne Gold", "#e8d3b0")),
               {"Case": "41 mm stainless steel", "Display": "AMOLED, Always-On",
                "Chip": "Exynos 9110", "Sensors": "Fitbit heart rate, SpO2"},
               cellular_extra=50, popularity=0.6),
    DeviceSpec("FENIX7", "Garmin", "fenix 7", WATCH, 2022,
               {None: 699}, (("Slate Gray", "#55585b"), ("Silver", "#c4c6c8")),
               {"Case": "47 mm fibre-reinforced polymer, steel bezel",
                "Display": "1.3-inch MIP, sunlight-readable",
                "Battery life": "up to 18 days", "Sensors": "multi-band GPS, SpO2"},
               popularity=0.5),
    DeviceSpec("VENU2", "Garmin", "Venu 2", WATCH, 2021,
               {None: 399}, (("Slate", "#4d4f52"), ("Silver", "#c4c6c8")),
               {"Case": "45 mm fibre-reinforced polymer", "Display": "1.3-inch AMOLED",
                "Battery life": "up to 11 days", "Sensors": "GPS, Pulse Ox"},
               popularity=0.5),
    # --- Game consoles -------------------------------------------------------
    DeviceSpec("PS5", "Sony", "PlayStation 5", CONSOLE, 2020,
               {825: 499}, (("White", "#f5f5f5"),),
               {"CPU": "8-core AMD Zen 2", "GPU": "10.3 TFLOPS RDNA 2",
                "Drive": "Ultra HD Blu-ray", "Output": "up to 4K 120 Hz"},
               has_battery=False, popularity=1.5),
    DeviceSpec("PS5D", "Sony", "PlayStation 5 Digital Edition", CONSOLE, 2020,
               {825: 399}, (("White", "#f5f5f5"),),
               {"CPU": "8-core AMD Zen 2", "GPU": "10.3 TFLOPS RDNA 2",
                "Drive": "none (digital only)", "Output": "up to 4K 120 Hz"},
               has_battery=False),
    DeviceSpec("PS5S", "Sony", "PlayStation 5 Slim", CONSOLE, 2023,
               {1024: 499}, (("White", "#f5f5f5"),),
               {"CPU": "8-core AMD Zen 2", "GPU": "10.3 TFLOPS RDNA 2",
                "Drive": "Ultra HD Blu-ray (detachable)",
                "Output": "up to 4K 120 Hz"}, has_battery=False),
    DeviceSpec("XSX", "Microsoft", "Xbox Series X", CONSOLE, 2020,
               {1024: 499}, (("Carbon Black", "#1c1c1c"),),
               {"CPU": "8-core AMD Zen 2", "GPU": "12 TFLOPS RDNA 2",
                "Drive": "4K UHD Blu-ray", "Output": "up to 4K 120 Hz"},
               has_battery=False, popularity=1.2),
    DeviceSpec("XSS", "Microsoft", "Xbox Series S", CONSOLE, 2020,
               {512: 299}, (("Robot White", "#f2f2f2"),),
               {"CPU": "8-core AMD Zen 2", "GPU": "4 TFLOPS RDNA 2",
                "Drive": "none (digital only)", "Output": "up to 1440p 120 Hz"},
               has_battery=False),
    DeviceSpec("NSW", "Nintendo", "Switch", CONSOLE, 2019,
               {32: 299},
               (("Neon Blue/Neon Red", "#0ab9e6"), ("Gray", "#828282")),
               {"Screen": "6.2-inch LCD", "Chip": "NVIDIA Tegra X1",
                "Battery life": "4.5 to 9 hours", "Modes": "TV, tabletop, handheld"},
               popularity=1.4),
    DeviceSpec("NSWOLED", "Nintendo", "Switch OLED Model", CONSOLE, 2021,
               {64: 349},
               (("White", "#f5f5f5"), ("Neon Blue/Neon Red", "#0ab9e6")),
               {"Screen": "7-inch OLED", "Chip": "NVIDIA Tegra X1",
                "Battery life": "4.5 to 9 hours", "Modes": "TV, tabletop, handheld"},
               popularity=1.3),
    DeviceSpec("NSWL", "Nintendo", "Switch Lite", CONSOLE, 2019,
               {32: 199},
               (("Yellow", "#f2d33a"), ("Turquoise", "#3fc6c2"), ("Gray", "#828282"),
                ("Coral", "#f5877a"), ("Blue", "#3b6fd6")),
               {"Screen": "5.5-inch LCD", "Chip": "NVIDIA Tegra X1",
                "Battery life": "3 to 7 hours", "Modes": "handheld"}),
    DeviceSpec("SDLCD", "Valve", "Steam Deck LCD", CONSOLE, 2022,
               {64: 399, 256: 529, 512: 649}, (("Black", "#1f1f1f"),),
               {"Screen": "7-inch LCD touch, 60 Hz", "Chip": "AMD Zen 2 + RDNA 2 APU",
                "RAM": "16 GB", "Battery life": "2 to 8 hours"}),
    DeviceSpec("SDOLED", "Valve", "Steam Deck OLED", CONSOLE, 2023,
               {512: 549, 1024: 649}, (("Black", "#1f1f1f"),),
               {"Screen": "7.4-inch HDR OLED touch, 90 Hz",
                "Chip": "AMD Zen 2 + RDNA 2 APU (6 nm)", "RAM": "16 GB",
                "Battery life": "3 to 12 hours"}, popularity=0.8),
]  # fmt: skip


@dataclass(frozen=True)
class RefurbisherSpec:
    """A demo refurbisher; ``categories`` and ``brands`` narrow what it sells."""

    code: str  # SKU prefix
    name: str
    country: str
    time_zone: str
    status: str
    # Markets it ships to; None for every market reachable from its country.
    ships_to: tuple[str, ...] | None
    dispatch_days: int
    rating_average: str
    rating_count: int
    selling_since: str
    listings: int
    categories: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()


REFURBISHERS = [
    RefurbisherSpec("SB", "Second Byte Electronics", "US", "America/New_York",
                    "active", None, 1, "4.70", 3184, "2018-03-12", 330),
    RefurbisherSpec("PR", "Pacific Renew", "US", "America/Los_Angeles",
                    "active", None, 2, "4.40", 1277, "2019-09-02", 260,
                    brands=("Apple", "Samsung", "Google")),
    RefurbisherSpec("LS", "Lone Star Refurb Co.", "US", "America/Chicago",
                    "trial", None, 2, "3.90", 41, "2025-05-20", 120,
                    categories=(SMARTPHONE, CONSOLE)),
    RefurbisherSpec("RP", "Recyclo Paris", "FR", "Europe/Paris",
                    "active", None, 1, "4.60", 5210, "2017-06-01", 300),
    RefurbisherSpec("AM", "L'Atelier du Mobile", "FR", "Europe/Paris",
                    "active", ("FR", "BE"), 2, "4.20", 842, "2020-11-16", 200,
                    categories=(SMARTPHONE, TABLET, WATCH)),
    RefurbisherSpec("ZE", "Zweitakt Elektronik GmbH", "DE", "Europe/Berlin",
                    "active", ("DE", "FR", "BE", "IT"), 1, "4.50", 2096,
                    "2018-01-22", 260, categories=(LAPTOP, TABLET, SMARTPHONE)),
    RefurbisherSpec("SW", "Spielwerk Konsolen", "DE", "Europe/Berlin",
                    "trial", ("DE", "BE"), 2, "4.00", 23, "2025-06-02", 90,
                    categories=(CONSOLE,)),
    RefurbisherSpec("RT", "RinnovaTech Milano", "IT", "Europe/Rome",
                    "active", ("IT", "FR", "DE", "ES"), 2, "4.30", 1533,
                    "2019-04-08", 230),
    RefurbisherSpec("RE", "Renueva Electrónica", "ES", "Europe/Madrid",
                    "active", ("ES", "FR", "IT"), 2, "4.10", 967, "2020-02-24", 220,
                    categories=(SMARTPHONE, TABLET, WATCH, CONSOLE)),
    RefurbisherSpec("BD", "Brussels Device Lab", "BE", "Europe/Brussels",
                    "suspended", ("BE", "FR", "DE"), 3, "3.60", 188, "2021-08-30",
                    120),
    RefurbisherSpec("NR", "Noord Refurbished BV", "BE", "Europe/Brussels",
                    "active", None, 1, "4.80", 2741, "2016-10-03", 190,
                    brands=("Apple",)),
]  # fmt: skip

# Extra refurbishers for --scale runs: "Refurb Partner 001", ... in these
# countries in turn, each with this many listings.
PARTNER_COUNTRIES = ("US", "FR", "DE", "US", "IT", "ES", "BE")
PARTNER_TIME_ZONES = {
    "US": ("America/New_York", "America/Chicago", "America/Denver",
           "America/Los_Angeles"),
    "FR": ("Europe/Paris",),
    "DE": ("Europe/Berlin",),
    "IT": ("Europe/Rome",),
    "ES": ("Europe/Madrid",),
    "BE": ("Europe/Brussels",),
}  # fmt: skip
PARTNER_LISTINGS = 250
