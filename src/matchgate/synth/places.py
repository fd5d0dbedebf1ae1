"""Places for the synthetic master file (synth stage, pure data).

Out: `CITIES` (real US cities with their real state, a ZIP prefix and a
range of plausible last-two ZIP digits, and household weights per name
group), `STREET_NAMES` (common US street names), the USPS Publication 28
suffix and directional words with their spelled-out forms, and the
well-known city abbreviations FORMATS.md §4 says count as the city.
"""

from __future__ import annotations

from typing import Final, NamedTuple


class City(NamedTuple):
    """One city: name and state as USPS writes them, ZIP = zip3 + two digits in [lo, hi]."""

    name: str
    state: str
    zip3: str
    lo: int
    hi: int
    w_hispanic: float  # relative household weights per name group
    w_asian: float
    w_other: float
    form: str  # street-number form used there: "" plain, "grid", "wi", "queens"


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split("|"))


def _c(spec: str) -> City:
    """Parse "NAME,ST,zip3,lo,hi,w_hisp,w_asian,w_other[,form]"."""
    name, state, zip3, lo, hi, wh, wa, wo, *form = spec.split(",")
    return City(name, state, zip3, int(lo), int(hi), float(wh), float(wa), float(wo), *form or [""])


CITIES: Final[tuple[City, ...]] = (
    _c("HOUSTON,TX,770,2,99,9,3,5"),
    _c("SAN ANTONIO,TX,782,1,60,8,0.5,3"),
    _c("DALLAS,TX,752,1,54,6,1.5,4"),
    _c("AUSTIN,TX,787,1,59,3,1.5,3"),
    _c("FORT WORTH,TX,761,2,37,3,0.8,3"),
    _c("EL PASO,TX,799,1,38,5,0.2,1"),
    _c("LAREDO,TX,780,40,46,3,0.1,0.2"),
    _c("MCALLEN,TX,785,1,4,2,0.1,0.3"),
    _c("BROWNSVILLE,TX,785,20,26,2,0.1,0.2"),
    _c("IRVING,TX,750,38,63,1.5,1,1"),
    _c("LOS ANGELES,CA,900,1,68,14,6,5"),
    _c("SAN DIEGO,CA,921,1,31,4,2.5,3"),
    _c("SAN JOSE,CA,951,10,39,3,5,2"),
    _c("FRESNO,CA,937,1,28,3,1,1"),
    _c("SANTA ANA,CA,927,1,7,3,0.8,0.3"),
    _c("RIVERSIDE,CA,925,1,9,2.5,0.5,1"),
    _c("SACRAMENTO,CA,958,14,38,2,2,2"),
    _c("OAKLAND,CA,946,1,21,1.5,2,1.5"),
    _c("SAN FRANCISCO,CA,941,2,34,1.5,4.5,2"),
    _c("BAKERSFIELD,CA,933,1,14,2,0.3,1"),
    _c("ANAHEIM,CA,928,1,8,2,1.5,0.8"),
    _c("LONG BEACH,CA,908,2,15,2,1,1"),
    _c("OXNARD,CA,930,30,36,1.5,0.2,0.3"),
    _c("SALINAS,CA,939,1,8,1.5,0.2,0.3"),
    _c("GARDEN GROVE,CA,928,40,45,1,2.5,0.5"),
    _c("FREMONT,CA,945,36,39,0.5,3,0.8"),
    _c("PHOENIX,AZ,850,3,54,6,1,5"),
    _c("TUCSON,AZ,857,1,50,3,0.3,2"),
    _c("ALBUQUERQUE,NM,871,2,23,3,0.3,2"),
    _c("LAS VEGAS,NV,891,1,49,3,1.5,3"),
    _c("DENVER,CO,802,2,39,3,0.8,4"),
    _c("SALT LAKE CITY,UT,841,1,18,1,0.5,2,grid"),
    _c("WEST VALLEY CITY,UT,841,19,28,1,0.2,1,grid"),
    _c("PROVO,UT,846,1,6,0.4,0.1,1,grid"),
    _c("OGDEN,UT,844,1,14,0.5,0.1,1,grid"),
    _c("CHICAGO,IL,606,1,60,7,3,8"),
    _c("CICERO,IL,608,4,4,1.5,0.1,0.2"),
    _c("MIAMI,FL,331,25,45,5,0.3,2"),
    _c("HIALEAH,FL,330,10,18,3,0.1,0.2"),
    _c("ORLANDO,FL,328,1,39,2,0.5,2"),
    _c("TAMPA,FL,336,2,47,1.5,0.4,2"),
    _c("JACKSONVILLE,FL,322,2,58,1,0.5,3"),
    _c("NEW YORK,NY,100,1,40,4,3,6"),
    _c("BROOKLYN,NY,112,1,39,3,2.5,5"),
    _c("BRONX,NY,104,51,75,4,0.3,2"),
    _c("FLUSHING,NY,113,54,58,0.5,3,0.5,queens"),
    _c("JACKSON HEIGHTS,NY,113,70,72,1,1,0.3,queens"),
    _c("CORONA,NY,113,68,68,1,0.4,0.1,queens"),
    _c("FOREST HILLS,NY,113,75,75,0.3,0.8,0.6,queens"),
    _c("NEWARK,NJ,071,2,14,2,0.2,1"),
    _c("PATERSON,NJ,075,1,14,1,0.1,0.4"),
    _c("ELIZABETH,NJ,072,1,8,1,0.1,0.3"),
    _c("BOSTON,MA,021,8,36,1,1.2,3"),
    _c("HARTFORD,CT,061,3,14,0.7,0.1,0.8"),
    _c("ATLANTA,GA,303,3,54,1,1,4"),
    _c("CHARLOTTE,NC,282,2,80,1,0.6,3"),
    _c("RALEIGH,NC,276,1,17,0.6,0.6,2"),
    _c("SEATTLE,WA,981,1,99,0.8,3,3"),
    _c("BELLEVUE,WA,980,4,8,0.2,2,1"),
    _c("PORTLAND,OR,972,1,39,0.6,1,3"),
    _c("MINNEAPOLIS,MN,554,1,19,0.5,0.6,3"),
    _c("SAINT PAUL,MN,551,1,19,0.4,1,2"),
    _c("SAINT LOUIS,MO,631,1,39,0.3,0.3,2"),
    _c("KANSAS CITY,MO,641,1,57,0.6,0.2,2"),
    _c("MILWAUKEE,WI,532,2,36,0.8,0.3,2"),
    _c("MENOMONEE FALLS,WI,530,51,51,0.1,0.05,0.6,wi"),
    _c("GERMANTOWN,WI,530,22,22,0.05,0.05,0.4,wi"),
    _c("BROOKFIELD,WI,530,5,5,0.05,0.1,0.5,wi"),
    _c("COLUMBUS,OH,432,1,40,0.4,0.5,3"),
    _c("CLEVELAND,OH,441,2,35,0.4,0.2,2"),
    _c("PHILADELPHIA,PA,191,2,54,1,1,4"),
    _c("NASHVILLE,TN,372,3,21,0.7,0.4,2"),
    _c("MEMPHIS,TN,381,3,41,0.4,0.1,2"),
    _c("OKLAHOMA CITY,OK,731,2,49,0.8,0.3,2"),
    _c("OMAHA,NE,681,2,37,0.5,0.2,1.5"),
    _c("DETROIT,MI,482,1,38,0.6,0.2,2"),
    _c("BALTIMORE,MD,212,1,39,0.4,0.3,2"),
    _c("WASHINGTON,DC,200,1,37,0.5,0.5,2"),
    _c("NEW ORLEANS,LA,701,12,31,0.4,0.3,1.5"),
    _c("BOISE,ID,837,2,16,0.4,0.1,1"),
)

# FORMATS.md §4: well-known city abbreviations count as the city. Only these
# are written into requests, so the matcher's table must know them.
CITY_ABBREVIATIONS: Final[dict[str, str]] = {
    "FORT WORTH": "FT WORTH",
    "SALT LAKE CITY": "SLC",
    "SAINT PAUL": "ST PAUL",
    "SAINT LOUIS": "ST LOUIS",
}

# Pub 28 street suffixes actually used here: USPS abbreviation -> spelled out.
SUFFIX_WORDS: Final[dict[str, str]] = {
    "ST": "Street",
    "AVE": "Avenue",
    "RD": "Road",
    "DR": "Drive",
    "LN": "Lane",
    "BLVD": "Boulevard",
    "CT": "Court",
    "PL": "Place",
    "WAY": "Way",
    "CIR": "Circle",
    "PKWY": "Parkway",
    "TER": "Terrace",
    "TRL": "Trail",
}
SUFFIX_WEIGHTS: Final = (30, 22, 10, 12, 6, 4, 5, 3, 3, 2, 1, 1, 1)
DIRECTIONAL_WORDS: Final[dict[str, str]] = {
    "N": "North",
    "S": "South",
    "E": "East",
    "W": "West",
    "NE": "Northeast",
    "NW": "Northwest",
    "SE": "Southeast",
    "SW": "Southwest",
}
ORDINAL_WORDS: Final[dict[str, str]] = {
    "1ST": "First",
    "2ND": "Second",
    "3RD": "Third",
    "4TH": "Fourth",
    "5TH": "Fifth",
    "6TH": "Sixth",
    "7TH": "Seventh",
    "8TH": "Eighth",
    "9TH": "Ninth",
    "10TH": "Tenth",
}

# Common US street names. Names are chosen to be neither a Pub 28 suffix nor
# a directional word, so standardisation never rewrites the name part, and
# no two names of five or more letters are one edit apart (a test checks),
# so the matcher's one-edit allowance never joins two different streets.
STREET_NAMES: Final[tuple[str, ...]] = _names(
    "MAIN|OAK|MAPLE|CEDAR|ELM|WASHINGTON|WALNUT|CHESTNUT|LINCOLN|JEFFERSON|MADISON|"
    "FRANKLIN|JACKSON|ADAMS|MONROE|WILSON|CHURCH|SCHOOL|MARKET|BROAD|"
    "HIGHLAND|SUNSET|RIVERSIDE|LAKEVIEW|HILLCROSS|JUNIPER|BIRCH|ASPEN|SYCAMORE|MAGNOLIA|"
    "WILLOW|HICKORY|LAUREL|POPLAR|SPRUCE|DOGWOOD|REDWOOD|CYPRESS|ACACIA|OLEANDER|"
    "JASMINE|LILAC|ORCHID|PRIMROSE|HAWTHORNE|BRIARWOOD|WOODLAND|FAIRVIEW|PLEASANT|"
    "PROSPECT|LIBERTY|INDEPENDENCE|COLONIAL|PATRIOT|HERITAGE|PIONEER|FRONTIER|"
    "DESERT|SIERRA|ALAMEDA|ARROYO|ALTA|BONITA|LOMA|PALOMA|ESPERANZA|"
    "SANTA FE|SAN PEDRO|CESAR CHAVEZ|MARTIN LUTHER KING|EL CAMINO|DOLORES|GUADALUPE|"
    "ALVARADO|SEPULVEDA|FIGUEROA|VERMONT|CALIFORNIA|NEVADA|ARIZONA|OREGON|TEXAS|GEORGIA|"
    "VIRGINIA|CAROLINA|COLUMBIA|DELAWARE|KENTUCKY|MICHIGAN|OHIO|INDIANA|ILLINOIS|"
    "MISSOURI|KANSAS|DAKOTA|MONTANA|ATLANTIC|PACIFIC|HUDSON|POTOMAC|SHENANDOAH|"
    "SUSQUEHANNA|CHEROKEE|SENECA|MOHAWK|CHEYENNE|APACHE|NAVAJO|COMANCHE|SHAWNEE|"
    "DEVONSHIRE|KENSINGTON|WESTMINSTER|ABBEY|CAMBRIDGE|OXFORD|STRATFORD|WINDSOR|"
    "CHESTER|ASHLAND|BELMONT|CLIFTON|DUNMORE|ELMWOOD|GLENDALE|HAMPTON|IRVING|KENWOOD|"
    "LANCASTER|MAYFIELD|NORWOOD|OAKMONT|PRESTON|QUINCY|RUTLEDGE|SHERIDAN|THORNTON|"
    "UPLAND|VANDERBILT|WAVERLY|YORKSHIRE|ANDOVER|BRADFORD|CARLISLE|DARTMOUTH|EVERETT|"
    "FAIRFAX|GREENBRIAR|HARRISON|JEROME|LEXINGTON|MARLBORO|NEWPORT|PEMBROKE|"
    "ROCKWELL|SALISBURY|TRENTON|WELLINGTON|ARLINGTON|BEECH|CLOVER|DAISY|FERN|HAZEL|"
    "IVY|JUNE|LOCUST|MULBERRY|OLIVE|PEACH|QUAIL|ROBIN|SPARROW|CARDINAL|BLUEBIRD|"
    "FALCON|HERON|EAGLE|HAWK|MEADOWLARK|ORIOLE|PELICAN|STALLION|MUSTANG|"
    "BRONCO|COUGAR|BISON|ANTELOPE|COYOTE|TIMBER|STONEHENGE|BOULDER|GRANITE|MARBLE|"
    "SLATE|COPPER|SILVER|GOLDEN|EMERALD|SAPPHIRE|RUBY|CORAL|AMBER|PEARL|CRYSTAL|"
    "BAYSHORE|OCEAN|SEABREEZE|SANDPIPER|DUNE|TIDEWATER|LAGOON|MARINER|ANCHOR|"
    "LIGHTHOUSE|CLIPPER|SCHOONER|COMMERCE|INDUSTRIAL|FACTORY|RAILROAD|DEPOT|TERMINAL|"
    "COLLEGE|UNIVERSITY|ACADEMY|SEMINARY|CATHEDRAL|CHAPEL|PRESIDIO|RANCHO|"
    "HACIENDA|CORTEZ|BALBOA|CORONADO|PORTOLA|CABRILLO|DE ANZA|MARIPOSA|"
    "TERESITA|ROSEMARY|BUTTERNUT|CHERRYWOOD|BLACKBERRY|CRANBERRY|HUCKLEBERRY|"
    "THISTLE|HEATHER|SAGEBRUSH|TUMBLEWEED|MANZANITA|CHAPARRAL|YUCCA|SAGUARO|OCOTILLO|"
    "PALO VERDE|MESQUITE|PECAN|ALMOND|CASHEW|HOLLY|MISTLETOE|EVERGREEN|GREENWAY|"
    "KINGSLEY|QUEENSBURY|PRINCETON|YALE|HARVARD|STANFORD|CORNELL|BROWNING|DICKENS|"
    "EMERSON|FROST|IRVINGTON|KIPLING|LONGFELLOW|MELVILLE|POE|THOREAU|TWAIN|"
    "WHITMAN|ALCOTT|BRONTE|CHAUCER|DRYDEN|ELIOT|FIELDING|GOLDSMITH|HARDY|KEATS|MILTON|"
    "SHELLEY|TENNYSON|WORDSWORTH"
)
NUMBERED_STREETS: Final[tuple[str, ...]] = (
    "1ST",
    "2ND",
    "3RD",
    "4TH",
    "5TH",
    "6TH",
    "7TH",
    "8TH",
    "9TH",
    "10TH",
    "11TH",
    "12TH",
    "14TH",
    "16TH",
    "18TH",
    "21ST",
    "23RD",
    "24TH",
    "32ND",
    "37TH",
    "48TH",
    "51ST",
    "82ND",
)
# Queens hyphenated house numbers sit on these (as in 123-45 QUEENS BLVD).
QUEENS_STREETS: Final[tuple[tuple[str, str], ...]] = (
    ("QUEENS", "BLVD"),
    ("ROOSEVELT", "AVE"),
    ("NORTHERN", "BLVD"),
    ("HILLSIDE", "AVE"),
    ("37TH", "AVE"),
    ("35TH", "AVE"),
    ("KISSENA", "BLVD"),
    ("AUSTIN", "ST"),
    ("YELLOWSTONE", "BLVD"),
    ("94TH", "ST"),
    ("82ND", "ST"),
    ("BOWNE", "ST"),
    ("SANFORD", "AVE"),
)
