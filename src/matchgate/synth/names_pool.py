"""Invented-name pools for the synthetic master file (synth stage, pure data).

Out: tuples of given names by group and sex, surname lists ordered by
frequency (the generator gives them Zipf-like weights), the nickname and
anglicised-form table used to write name variants into requests, and the
similar-name twin pairs. Every entry is a common name, never a real person:
the people are invented by combining them at random.

Spelling is "as filed": accented forms (JOSÉ, MUÑOZ) are the filed forms; the
generator strips accents for the share of people who filed without them.
"""

from __future__ import annotations

from typing import Final


def _words(text: str) -> tuple[str, ...]:
    """Split a `|`-separated list (so multi-word entries like DE LA CRUZ survive)."""
    return tuple(w.strip() for w in text.split("|") if w.strip())


# Group codes as stored in the generator's person columns and written to the
# truth file's `name_group` column (REQ-25 reports error rates per group).
HISPANIC: Final = 0
EAST_ASIAN: Final = 1
OTHER: Final = 2

HISPANIC_MALE = _words(
    "JOSÉ|JUAN|LUIS|CARLOS|JESÚS|FRANCISCO|MIGUEL|JORGE|ANTONIO|MANUEL|PEDRO|ALEJANDRO|"
    "RICARDO|FERNANDO|JAVIER|RAÚL|ROBERTO|EDUARDO|SERGIO|DANIEL|MARIO|GABRIEL|ANDRÉS|RAFAEL|"
    "ÓSCAR|RAMÓN|HÉCTOR|VÍCTOR|ARTURO|ENRIQUE|GUILLERMO|ALBERTO|MARCO|JULIO|CÉSAR|ADRIÁN|"
    "RUBÉN|IGNACIO|SALVADOR|ERNESTO|ÁNGEL|OMAR|HUGO|ALFREDO|ARMANDO|GERARDO|RODRIGO|TOMÁS"
)
HISPANIC_FEMALE = _words(
    "MARÍA|GUADALUPE|ANA|ROSA|CARMEN|JUANA|FRANCISCA|LETICIA|VERÓNICA|MARTHA|PATRICIA|ELENA|"
    "SOFÍA|LUCÍA|ISABEL|DANIELA|GABRIELA|ALEJANDRA|ADRIANA|CLAUDIA|SANDRA|LAURA|MÓNICA|"
    "BEATRIZ|SILVIA|GLORIA|TERESA|YOLANDA|ANDREA|ARACELI|MARISOL|ROCÍO|ESPERANZA|DOLORES|"
    "XIMENA|CONSUELO|BLANCA|IRMA|NORMA|LORENA|ELVIRA|PAOLA|FABIOLA|RAQUEL|INÉS|NOEMÍ"
)
# Filed as one first_name: a share of Hispanic people file both given names.
HISPANIC_COMPOUND_MALE = _words("JUAN CARLOS|JOSÉ LUIS|JOSÉ ANTONIO|LUIS MIGUEL|JUAN PABLO")
HISPANIC_COMPOUND_FEMALE = _words("MARÍA GUADALUPE|MARÍA ELENA|ANA MARÍA|MARÍA JOSÉ|ROSA MARÍA")

HISPANIC_SURNAMES = _words(
    "GARCÍA|RODRÍGUEZ|MARTÍNEZ|HERNÁNDEZ|LÓPEZ|GONZÁLEZ|PÉREZ|SÁNCHEZ|RAMÍREZ|TORRES|FLORES|"
    "RIVERA|GÓMEZ|DÍAZ|CRUZ|MORALES|REYES|GUTIÉRREZ|ORTIZ|CHÁVEZ|RAMOS|RUIZ|MENDOZA|VÁSQUEZ|"
    "CASTILLO|JIMÉNEZ|MORENO|ROMERO|HERRERA|MEDINA|AGUILAR|GARZA|CASTRO|VARGAS|FERNÁNDEZ|"
    "GUZMÁN|MUÑOZ|MÉNDEZ|SALAZAR|SOTO|DELGADO|PEÑA|RÍOS|ALVARADO|SANDOVAL|CONTRERAS|VALDEZ|"
    "GUERRERO|ORTEGA|ESTRADA|NÚÑEZ|VEGA|DE LA CRUZ|CAMPOS|IBARRA|LUNA|DOMÍNGUEZ|MOLINA|"
    "ESPINOZA|CARRILLO|ACOSTA|DE LEÓN|VILLA|ROJAS|CERVANTES|FUENTES|NAVARRO|DEL RÍO|"
    "DE LA ROSA|ZAMORA|CABRERA|BARRERA|SERRANO|AVILA|PADILLA|ROBLES|QUINTERO|OCHOA|"
    "DE LOS SANTOS|DEL VALLE|MEJÍA|TREVIÑO|CORTÉS|BELTRÁN|SOLÍS|ZÚÑIGA|ARELLANO|OROZCO"
)

ANGLO_MALE = _words(
    "JAMES|JOHN|ROBERT|MICHAEL|WILLIAM|DAVID|RICHARD|JOSEPH|THOMAS|CHARLES|CHRISTOPHER|"
    "DANIEL|MATTHEW|ANTHONY|MARK|DONALD|STEVEN|PAUL|ANDREW|JOSHUA|KENNETH|KEVIN|BRIAN|"
    "GEORGE|TIMOTHY|RONALD|EDWARD|JASON|JEFFREY|RYAN|JACOB|GARY|NICHOLAS|ERIC|JONATHAN|"
    "STEPHEN|LARRY|JUSTIN|SCOTT|BRANDON|BENJAMIN|SAMUEL|GREGORY|PATRICK|DENNIS|TYLER|"
    "AARON|NATHAN|DOUGLAS|PETER|TERRENCE|DARNELL|MALIK|RAJESH|AHMED|IVAN"
)
ANGLO_FEMALE = _words(
    "MARY|PATRICIA|JENNIFER|LINDA|ELIZABETH|BARBARA|SUSAN|JESSICA|SARAH|KAREN|LISA|NANCY|"
    "BETTY|MARGARET|SANDRA|ASHLEY|KIMBERLY|EMILY|DONNA|MICHELLE|CAROL|AMANDA|DOROTHY|"
    "MELISSA|DEBORAH|STEPHANIE|REBECCA|SHARON|LAURA|CYNTHIA|KATHLEEN|AMY|ANGELA|SHIRLEY|"
    "BRENDA|EMMA|ANNA|PAMELA|NICOLE|SAMANTHA|KATHERINE|CHRISTINE|HELEN|DEBRA|RACHEL|"
    "LATOYA|KEISHA|PRIYA|FATIMA|OLGA|SIOBHAN"
)
ANGLO_SURNAMES = _words(
    "SMITH|JOHNSON|WILLIAMS|BROWN|JONES|MILLER|DAVIS|WILSON|ANDERSON|TAYLOR|THOMAS|MOORE|"
    "JACKSON|MARTIN|THOMPSON|WHITE|HARRIS|CLARK|LEWIS|ROBINSON|WALKER|YOUNG|ALLEN|KING|"
    "WRIGHT|SCOTT|HILL|GREEN|ADAMS|BAKER|NELSON|CARTER|MITCHELL|ROBERTS|TURNER|PHILLIPS|"
    "CAMPBELL|PARKER|EVANS|EDWARDS|COLLINS|STEWART|MORRIS|MURPHY|COOK|ROGERS|MORGAN|COOPER|"
    "PETERSON|REED|BAILEY|BELL|KELLY|HOWARD|WARD|COX|RICHARDSON|WOOD|WATSON|BROOKS|BENNETT|"
    "GRAY|JAMES|HUGHES|PRICE|SANDERS|MYERS|LONG|ROSS|FOSTER|POWELL|JENKINS|PERRY|RUSSELL|"
    "SULLIVAN|WASHINGTON|BUTLER|SIMMONS|FISHER|HAYES|O'BRIEN|O'CONNOR|MCDONALD|MCCARTHY|"
    "VAN DYKE|ST. CLAIR|PATEL|SHAH|KHAN|ALI|COHEN|NOVAK|KOWALSKI|SCHMIDT|MÜLLER|IVANOV|"
    "OKAFOR|MENSAH|HANSEN|LARSON|RUSSO|ROMANO"
)

# East Asian pools: surname lists start with the very frequent names (NGUYEN,
# KIM, LEE, ...) so the Zipf weights cluster them heavily, as in real files.
ASIAN_SURNAMES = _words(
    "NGUYEN|KIM|LEE|CHEN|PARK|TRAN|WANG|LI|LE|ZHANG|LIU|PHAM|HUANG|CHOI|CHANG|WU|YANG|LIN|"
    "HOANG|HUYNH|JUNG|KANG|ZHOU|CHO|YOON|HO|NG|WONG|CHU|VO|DANG|BUI|DO|XU|SUN|ZHAO|HAN|LIM|"
    "SHIN|NAKAMURA|TANAKA|SATO|YAMAMOTO|KIMURA|TRUONG|LAM|CHAU|TANG|GUO|MA"
)
ASIAN_MALE = _words(
    "WEI|JUN|MING|HAO|LEI|TAO|QIANG|YONG|MINH|TUAN|HUNG|DUNG|THANH|NAM|HIEU|QUANG|BAO|"
    "JI-HOON|MIN-JUN|HYUN-WOO|SUNG-MIN|YOUNG-HO|JAE-WON|HIROSHI|TAKESHI|KENJI|DAVID|KEVIN|"
    "JASON|MICHAEL|PETER|TONY|DANIEL"
)
ASIAN_FEMALE = _words(
    "JING|YAN|HUI|XIN|YING|FANG|MEI|PING|HONG|ANH|LINH|HUONG|LAN|MAI|PHUONG|TRANG|THAO|"
    "SEO-YEON|JI-WOO|EUN-JI|SOO-JIN|MIN-JI|HYE-JIN|YUKI|AKIKO|YUMI|JENNY|AMY|GRACE|HELEN|"
    "WENDY|SARAH|CHRISTINE"
)
# Vietnamese filers often carry VAN (male) / THI (female) as the middle name.
ASIAN_MIDDLE_MALE = _words("VAN|MINH|DUC|QUOC")
ASIAN_MIDDLE_FEMALE = _words("THI|NGOC|THU|KIM")

SUFFIXES_SINGLE = _words("JR|III|II|SR")

# Twins with similar given names (REQ-19's JUAN/JUANA): a request naming one
# twin also fits the other, so without a TIN the pair cannot be told apart.
TWIN_PAIRS_HISPANIC = (
    ("JUAN", "JUANA"),
    ("DANIEL", "DANIELA"),
    ("GABRIEL", "GABRIELA"),
    ("FRANCISCO", "FRANCISCA"),
    ("MARIO", "MARÍA"),
    ("JULIO", "JULIA"),
    ("ADRIÁN", "ADRIANA"),
    ("ALEJANDRO", "ALEJANDRA"),
    ("ANTONIO", "ANTONIA"),
    ("MANUEL", "MANUELA"),
)
TWIN_PAIRS_OTHER = (
    ("DANIEL", "DANIELLE"),
    ("ERIC", "ERICA"),
    ("CHRISTIAN", "CHRISTINA"),
    ("MICHAEL", "MICHELLE"),
    ("JUSTIN", "JUSTINE"),
    ("PAUL", "PAULA"),
    ("ROBERT", "ROBERTA"),
)
TWIN_PAIRS_ASIAN = (("MIN-JUN", "MIN-JI"), ("JI-HOON", "JI-HYUN"), ("MINH", "MINH ANH"))

# Name variants a request may use for a filed given name (keys and values are
# accent-free upper case). FORMATS.md §4: a nickname or an anglicised given
# name is a name variant, not a close call, so requests written with these
# must still verify. Only widely used pairs; the matcher's own tables must
# cover them (the report lists this table for the match package).
NICKNAMES: Final[dict[str, tuple[str, ...]]] = {
    # Spanish hypocorisms and anglicised forms
    "JOSE": ("PEPE", "JOE"),
    "FRANCISCO": ("PACO", "PANCHO", "FRANK"),
    "JUAN": ("JOHN",),
    "JESUS": ("CHUY",),
    "ROBERTO": ("BETO", "ROBERT"),
    "EDUARDO": ("LALO", "EDWARD"),
    "ENRIQUE": ("KIKE", "HENRY"),
    "IGNACIO": ("NACHO",),
    "ALEJANDRO": ("ALEX",),
    "GUILLERMO": ("MEMO", "WILLIAM"),
    "MANUEL": ("MANNY",),
    "ANTONIO": ("TONY",),
    "RAFAEL": ("RAFA",),
    "PEDRO": ("PETER",),
    "MIGUEL": ("MIKE", "MICHAEL"),
    "CARLOS": ("CHARLES",),
    "RICARDO": ("RICKY", "RICHARD"),
    "JAVIER": ("XAVIER",),
    "ALBERTO": ("ALBERT",),
    "SALVADOR": ("CHAVA",),
    "ARTURO": ("ARTHUR",),
    "ANDRES": ("ANDREW",),
    "JORGE": ("GEORGE",),
    "LUIS": ("LOUIS",),
    "GUADALUPE": ("LUPE",),
    "MARIA": ("MARY",),
    "DOLORES": ("LOLA",),
    "TERESA": ("TERE", "THERESA"),
    "ELENA": ("HELEN",),
    "CONSUELO": ("CHELO",),
    "PATRICIA": ("PATY", "PATTY"),
    "SOFIA": ("SOPHIA",),
    "LUCIA": ("LUCY",),
    "GABRIELA": ("GABY",),
    # English nicknames
    "WILLIAM": ("BILL", "WILL", "BILLY"),
    "ROBERT": ("BOB", "ROB", "BOBBY"),
    "RICHARD": ("RICK", "DICK"),
    "JAMES": ("JIM", "JIMMY"),
    "JOSEPH": ("JOE", "JOEY"),
    "MICHAEL": ("MIKE",),
    "THOMAS": ("TOM", "TOMMY"),
    "CHARLES": ("CHUCK", "CHARLIE"),
    "CHRISTOPHER": ("CHRIS",),
    "DANIEL": ("DAN", "DANNY"),
    "MATTHEW": ("MATT",),
    "ANTHONY": ("TONY",),
    "STEVEN": ("STEVE",),
    "ANDREW": ("ANDY", "DREW"),
    "KENNETH": ("KEN", "KENNY"),
    "TIMOTHY": ("TIM",),
    "EDWARD": ("ED", "EDDIE"),
    "DONALD": ("DON",),
    "RONALD": ("RON",),
    "JEFFREY": ("JEFF",),
    "SAMUEL": ("SAM",),
    "BENJAMIN": ("BEN",),
    "ELIZABETH": ("LIZ", "BETH"),
    "MARGARET": ("PEGGY", "MAGGIE"),
    "JENNIFER": ("JEN", "JENNY"),
    "KATHLEEN": ("KATHY",),
    "DEBORAH": ("DEBBIE",),
    "SUSAN": ("SUE",),
    "REBECCA": ("BECKY",),
    "CYNTHIA": ("CINDY",),
    "KATHERINE": ("KATE",),
    "SAMANTHA": ("SAM",),
    "PAMELA": ("PAM",),
}

# Invented officials for the envelope (no real person).
OFFICIAL_NAMES = _words(
    "Dana R. Whitcombe|Marisol T. Ebeling|Conrad J. Ashdown|Renata L. Vasko|Tobias N. Harwell"
)
OFFICER_NAMES = _words(
    "Lena Ortmann|Darius Fenwick|Camila Restrepo Vidal|Hollis Brandt|Imani Colquitt|"
    "Yusuf Benhadj|Petra Lindqvist|Gideon Farrow"
)


def nickname_groups() -> dict[str, frozenset[str]]:
    """Map every name in NICKNAMES (key or variant) to the filed names it may stand for.

    Out: {"JOE": {"JOSE", "JOSEPH"}, "JOSE": {"JOSE"}, ...}. Two names fit
    each other as variants when their groups intersect.
    """
    groups: dict[str, set[str]] = {}
    for filed, variants in NICKNAMES.items():
        groups.setdefault(filed, set()).add(filed)
        for v in variants:
            groups.setdefault(v, set()).add(filed)
    return {k: frozenset(v) for k, v in groups.items()}
