"""Canonical values of every enumerated field, in one place.

Contracts check against these, silver maps messy spellings onto them, the generator draws
from them and gold reports on them. Change a list here and all four follow.
"""

CUSTOMER_SEGMENTS = ("Residential", "SMB", "Enterprise", "Government")
CUSTOMER_TIERS = ("Bronze", "Silver", "Gold", "Platinum")
CUSTOMER_STATUSES = ("Active", "Inactive", "Churned")

#: Region codes, unified across systems, and the sales geography each belongs to.
REGION_GEO = {
    "US-EAST": "AMER",
    "US-CENTRAL": "AMER",
    "US-WEST": "AMER",
    "CA-EAST": "AMER",
    "CA-WEST": "AMER",
    "UK": "EMEA",
    "DE": "EMEA",
    "FR": "EMEA",
    "NL": "EMEA",
    "AU": "APAC",
    "JP": "APAC",
    "SG": "APAC",
    "BR": "LATAM",
    "MX": "LATAM",
}
REGIONS = tuple(REGION_GEO)
GEOS = ("AMER", "EMEA", "APAC", "LATAM")

VERTICALS = (
    "Technology",
    "Healthcare",
    "Financial Services",
    "Retail",
    "Manufacturing",
    "Education",
    "Public Sector",
    "Media",
)
ACCOUNT_CUSTOMER_TYPES = ("Commercial", "Public Sector", "Education", "Non-Profit")

OPPORTUNITY_STAGES = (
    "Prospecting",
    "Qualification",
    "Proposal",
    "Negotiation",
    "Closed Won",
    "Closed Lost",
)
OPEN_OPPORTUNITY_STAGES = OPPORTUNITY_STAGES[:4]
SALES_MOTIONS = ("Growth on renewal", "New", "True up")

#: Product catalogue (CCE, DCE, CCE Pro, Stock, Sign, ...), by product family.
PRODUCT_FAMILY = {
    "CCE": "Creative Cloud",
    "CCE Pro": "Creative Cloud",
    "Stock": "Creative Cloud",
    "DCE": "Document Cloud",
    "Sign": "Document Cloud",
    "Mesh Router": "Devices",
    "Desk Phone": "Devices",
    "Headset": "Devices",
}
PRODUCT_CODES = tuple(PRODUCT_FAMILY)
SEAT_PRODUCTS = ("CCE", "CCE Pro", "Stock", "DCE", "Sign")
PRODUCT_FAMILIES = ("Creative Cloud", "Document Cloud", "Devices")
#: A sales "solution" in the pipeline is a product family.
SOLUTIONS = PRODUCT_FAMILIES
SEAT_EVENT_TYPES = ("Assigned", "Unassigned", "Activated", "Deactivated")
DISCOUNT_BANDS = ("A", "B", "C", "D", "E")

CAMPAIGN_TYPES = ("Email", "Social", "Paid Search", "Webinar", "Direct Mail", "Event")
CAMPAIGN_OBJECTIVES = ("Acquisition", "Retention", "Upsell", "Cross-sell", "Win-back", "Awareness")
CAMPAIGN_CHANNELS = ("Email", "Social Media", "Search", "Display", "Mail", "In Person")
CAMPAIGN_AUDIENCES = ("All Customers",) + CUSTOMER_SEGMENTS

TICKET_PRIORITIES = ("High", "Medium", "Low")
TICKET_STATUSES = ("Open", "In Progress", "Resolved", "Closed")
TICKET_CHANNELS = ("Phone", "Email", "Chat", "Web", "Social")
TICKET_CATEGORIES = (
    "Connectivity", "Billing", "Account", "Hardware", "Software", "Service Request"
)
TICKET_TYPES = ("Technical Issue", "Billing Question", "Feature Request")
KB_CATEGORIES = ("Getting Started", "Troubleshooting", "Billing", "Account", "Devices", "Security")
ENGAGEMENT_TYPES = (
    "Onboarding Call",
    "Quarterly Business Review",
    "Training Session",
    "Health Check",
    "Executive Sponsor Meeting",
)
ENGAGEMENT_OUTCOMES = ("Positive", "Neutral", "Negative")

SERVICE_TYPES = ("Internet", "TV", "Mobile", "Voice")

INVOICE_STATUSES = ("Open", "Paid", "Overdue")
BILLING_EVENT_TYPES = ("Subscription Fee", "Subscription Renewal", "Add-on Purchase", "Refund")
CURRENCIES = ("USD",)

PLAN_TYPES = ("Free", "Basic", "Pro", "Business", "Enterprise")
LICENSE_TYPES = ("Basic", "Pro", "Business", "Enterprise", "Education")
FEATURES = ("Screen Share", "Recording", "Chat", "Breakout Rooms")

ORDER_STATUSES = ("Completed", "Cancelled", "Returned")
ORDER_CHANNELS = ("Online", "Sales Rep", "Partner")
