"""Reference data the synthetic company draws from: names, places, the service catalogue."""

import numpy as np

FIRST_NAMES = (
    "Ava", "Liam", "Noah", "Emma", "Olivia", "Mateo", "Sofia", "Lucas", "Mia", "Ethan",
    "Amara", "Kenji", "Priya", "Omar", "Chloe", "Jonas", "Elena", "Diego", "Hana", "Samuel",
    "Grace", "Ibrahim", "Zoe", "Leo", "Nora", "Ravi", "Isla", "Felix", "Maya", "Hugo",
)
LAST_NAMES = (
    "Smith", "Garcia", "Chen", "Patel", "Muller", "Rossi", "Nguyen", "Kim", "Silva", "Brown",
    "Okafor", "Tanaka", "Dubois", "Novak", "Haddad", "Larsen", "Cohen", "Singh", "Lopez", "Walsh",
)
COMPANY_WORDS = (
    "Apex", "Blue", "Cedar", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Iris", "Juniper",
    "Keystone", "Lumen", "Maple", "Nimbus", "Orbit", "Pioneer", "Quartz", "River", "Summit",
    "Vertex",
)
COMPANY_NOUNS = (
    "Labs", "Systems", "Logistics", "Health", "Media", "Foods", "Energy", "Works", "Partners",
    "Analytics", "Design", "Retail", "Robotics", "Capital", "Studios",
)
COMPANY_SUFFIXES = ("Inc", "LLC", "Ltd", "GmbH", "Co")
PARENT_SUFFIXES = ("Holdings", "Group", "Global", "International")
MAIL_HOSTS = ("mail.example", "inbox.example", "post.example")
STREETS = (
    "Main St", "Oak Ave", "Pine Rd", "Elm St", "Maple Dr", "Cedar Ln", "Lake View", "High St",
    "Station Rd", "Park Ave", "Mill Lane", "River Rd",
)

#: (city, state, country, region)
CITIES = (
    ("New York", "NY", "US", "US-EAST"),
    ("Boston", "MA", "US", "US-EAST"),
    ("Atlanta", "GA", "US", "US-EAST"),
    ("Chicago", "IL", "US", "US-CENTRAL"),
    ("Dallas", "TX", "US", "US-CENTRAL"),
    ("Denver", "CO", "US", "US-CENTRAL"),
    ("Seattle", "WA", "US", "US-WEST"),
    ("San Francisco", "CA", "US", "US-WEST"),
    ("Los Angeles", "CA", "US", "US-WEST"),
    ("Toronto", "ON", "CA", "CA-EAST"),
    ("Vancouver", "BC", "CA", "CA-WEST"),
    ("London", "Greater London", "GB", "UK"),
    ("Manchester", "Greater Manchester", "GB", "UK"),
    ("Berlin", "BE", "DE", "DE"),
    ("Munich", "BY", "DE", "DE"),
    ("Paris", "IDF", "FR", "FR"),
    ("Amsterdam", "NH", "NL", "NL"),
    ("Sydney", "NSW", "AU", "AU"),
    ("Tokyo", "Tokyo", "JP", "JP"),
    ("Singapore", "Singapore", "SG", "SG"),
    ("Sao Paulo", "SP", "BR", "BR"),
    ("Mexico City", "CDMX", "MX", "MX"),
)

#: Telco service catalogue: (service_id, service_type, service_name, monthly_cost, active_flag)
SERVICES = (
    ("S001", "Internet", "Fiber 100", 45.0, True),
    ("S002", "Internet", "Fiber 500", 65.0, True),
    ("S003", "Internet", "Fiber 1G", 85.0, True),
    ("S004", "Internet", "DSL Classic", 30.0, False),
    ("S005", "TV", "TV Basic", 25.0, True),
    ("S006", "TV", "TV Plus", 45.0, True),
    ("S007", "TV", "TV Premium", 70.0, True),
    ("S008", "Mobile", "Mobile 5GB", 20.0, True),
    ("S009", "Mobile", "Mobile Unlimited", 40.0, True),
    ("S010", "Mobile", "Mobile Family", 75.0, True),
    ("S011", "Voice", "Voice Home", 15.0, True),
    ("S012", "Voice", "Voice Business", 35.0, True),
    ("S013", "Voice", "SIP Trunk", 120.0, True),
)
SERVICE_COST = np.array([s[3] for s in SERVICES])
SERVICE_TYPE_INDEX = np.array(["Internet TV Mobile Voice".split().index(s[1]) for s in SERVICES])
_popularity = np.array([14, 12, 8, 2, 8, 6, 3, 10, 12, 6, 8, 6, 5], dtype=float)
SERVICE_POPULARITY = _popularity / _popularity.sum()
