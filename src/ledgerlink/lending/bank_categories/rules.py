"""The rules of bank categorization, as tables: who a description names and what money to or from them is.

Each table is a list of rows; `engine` compiles every pattern into one regular expression and looks a
description up once. A pattern is a regular expression over the cleaned description (`normalise.clean`:
casefolded words separated by single spaces, no punctuation but `&` and `'`), matched as whole words.

Categories are paths of the Lending API's taxonomy (`lending.categories.taxonomy`, written dotted here), as
Codat's categorized bank statement gives them (`levels`: `Income` › `Revenue`, `Expense` › `Operating`,
`Asset` › `Current` › `Bank`). How money at the bank is placed:

- money in from customers and from card processors and marketplaces paying out is revenue (online for
  marketplaces and online checkouts, retail for card terminals); what a processor takes (its fees, a
  chargeback) is a merchant fee;
- money to suppliers is an expense by what they sell; money back from a supplier (a refund) goes to the same
  category, reducing it; a refund to a customer reduces revenue (`Income.Revenue.DiscountsReturns`);
- wages paid are an expense; tax and pension paid over to HMRC, the IRS or a pension scheme settle a
  liability (PAYE and NI, VAT, corporation tax, pension contributions), and so do loan and credit card
  repayments; a loan's drawdown is the liability arising; its interest an expense;
- moving money between the business's own accounts is `Asset.Current.Bank` (Codat's own example), cash
  taken out `Asset.Current.Cash`; money the owners put in or take out is equity.
"""

from __future__ import annotations

from dataclasses import dataclass

IN, OUT, ANY = "in", "out", ""


@dataclass(frozen=True)
class Rule:
    """What a description naming `pattern` is, for money moving in `direction` (`in`, `out`, or either)."""

    pattern: str
    direction: str
    category: str  # dotted path
    confidence: float
    reason: str
    counterparty: str | None = None
    provider: str | None = None


# --------------------------------------------------------------------------------------- category paths
REVENUE = "Income.Revenue"
ONLINE = "Income.Revenue.Online"
RETAIL = "Income.Revenue.Retail"
SERVICES = "Income.Revenue.Services"
RETURNS = "Income.Revenue.DiscountsReturns"
INTEREST_IN = "Income.OtherIncome.InterestIncome"
GRANTS = "Income.OtherIncome.Grants"
OTHER_INCOME = "Income.OtherIncome.Miscellaneous"
STOCK = "Expense.CostOfSales.Inventory"
FREIGHT = "Expense.CostOfSales.Freight"
MERCHANT_FEES = "Expense.CostOfSales.MerchantFees"
SUBCONTRACTORS = "Expense.CostOfSales.Subcontractors"
OPERATING = "Expense.Operating"
BANK_CHARGES = "Expense.Operating.BankCharges"
RENT = "Expense.Operating.Leases.BuildingRentLease"
EQUIPMENT_HIRE = "Expense.Operating.Leases.EquipmentRentLease"
MARKETING = "Expense.Operating.Marketing"
WAGES = "Expense.Operating.Personnel.Wages"
STAFF = "Expense.Operating.Personnel.EmployeeBenefits"
CONTRACTORS = "Expense.Operating.Personnel.Contractors"
_SGA = "Expense.Operating.SalesGeneralAdministrative"
UTILITIES = f"{_SGA}.Utilities"
TELECOMS = f"{_SGA}.Telecommunications"
OFFICE = f"{_SGA}.OfficeExpenses"
PROFESSIONAL = f"{_SGA}.ProfessionalFees"
INSURANCE = f"{_SGA}.Insurance"
REPAIRS = f"{_SGA}.RepairsMaintenance"
SOFTWARE = f"{_SGA}.Software"
LICENCES = f"{_SGA}.Licenses"
VEHICLE = "Expense.Operating.Travel.MotorVehicle"
TRAVEL = "Expense.Operating.Travel.TravelAccommodation"
ENTERTAINMENT = "Expense.Operating.Travel.Entertainment"
INTEREST_OUT = "Expense.NonOperating.Interest"
DONATIONS = "Expense.NonOperating.Donations"
PENALTIES = "Expense.NonOperating.Other"
OWN_ACCOUNTS = "Asset.Current.Bank"
CASH = "Asset.Current.Cash"
TERM_LOAN = "Liability.NonCurrent.LongTermDebt.LoansPayable"
SHORT_LOAN = "Liability.Current.Debt.LoansPayable"
CREDIT_LINE = "Liability.Current.Debt.LineOfCredit"
CREDIT_CARD = "Liability.Current.Debt.CreditCards"
FINANCE_LEASE = "Liability.NonCurrent.LongTermDebt.FinanceLeases"
PAYROLL_TAX = "Liability.Current.Personnel.PayrollTaxesPayable"
PENSION = "Liability.Current.Personnel.PensionPayable"
SALES_TAX = "Liability.Current.Taxes.SalesTaxPayable"
INCOME_TAX = "Liability.Current.Taxes.IncomeTaxPayable"
TAXES = "Liability.Current.Taxes"
DIRECTORS = "Liability.Current.DueToRelatedParties"
DIVIDENDS = "Equity.RetainedEarnings.Dividends"
DRAWINGS = "Equity.OwnersEquity.Drawings"
CONTRIBUTIONS = "Equity.OwnersEquity.Contributions"
SHARES = "Equity.ShareCapital.CommonStock"

# ------------------------------------------------------------------------------------------------ merchants
# Businesses a company buys from: (name, pattern, category, what they sell). Money out to them is that
# category; money in from them is money back (a refund), to the same category.
MERCHANTS: tuple[tuple[str, str, str, str], ...] = (
    # Food, drink and staff welfare.
    ("Tesco", r"tesco(?: stores| express| metro| extra)?", STAFF, "a supermarket"),
    ("Sainsbury's", r"sainsbury'?s?|js online grocery", STAFF, "a supermarket"),
    ("Asda", r"asda(?: stores| superstore)?", STAFF, "a supermarket"),
    ("Morrisons", r"w?m? ?morrisons?", STAFF, "a supermarket"),
    ("Waitrose", r"waitrose", STAFF, "a supermarket"),
    ("Lidl", r"lidl(?: gb| us)?", STAFF, "a supermarket"),
    ("Aldi", r"aldi(?: stores)?", STAFF, "a supermarket"),
    ("Co-op", r"co ?op(?: group| food)?|coop food", STAFF, "a supermarket"),
    ("M&S", r"m&s|marks & spencer|marks and spencer", STAFF, "a shop"),
    ("Whole Foods", r"whole ?foods(?: market)?|wholefds", STAFF, "a supermarket"),
    ("Trader Joe's", r"trader joe'?s", STAFF, "a supermarket"),
    ("Kroger", r"kroger", STAFF, "a supermarket"),
    ("Safeway", r"safeway", STAFF, "a supermarket"),
    ("Walmart", r"wal ?mart|wm supercenter", OFFICE, "a general store"),
    ("Target", r"target(?: t)?", OFFICE, "a general store"),
    ("Pret A Manger", r"pret(?: a manger)?", ENTERTAINMENT, "a café"),
    ("Costa", r"costa(?: coffee)?", ENTERTAINMENT, "a café"),
    ("Starbucks", r"starbucks", ENTERTAINMENT, "a café"),
    ("Caffè Nero", r"caffe nero|cafe nero", ENTERTAINMENT, "a café"),
    ("Greggs", r"greggs", ENTERTAINMENT, "a bakery"),
    ("Dishoom", r"dishoom", ENTERTAINMENT, "a restaurant"),
    ("Nando's", r"nando'?s", ENTERTAINMENT, "a restaurant"),
    ("Wagamama", r"wagamama", ENTERTAINMENT, "a restaurant"),
    ("McDonald's", r"mcdonald'?s", ENTERTAINMENT, "a restaurant"),
    ("Leon", r"leon restaurants", ENTERTAINMENT, "a restaurant"),
    ("Itsu", r"itsu", ENTERTAINMENT, "a restaurant"),
    ("Wetherspoon", r"j ?d wetherspoon|wetherspoons?", ENTERTAINMENT, "a pub"),
    ("Chipotle", r"chipotle", ENTERTAINMENT, "a restaurant"),
    ("Dunkin'", r"dunkin", ENTERTAINMENT, "a café"),
    ("Deliveroo", r"deliveroo", ENTERTAINMENT, "a food delivery service"),
    ("Uber Eats", r"uber ?eats", ENTERTAINMENT, "a food delivery service"),
    ("Just Eat", r"just ?eat", ENTERTAINMENT, "a food delivery service"),
    ("DoorDash", r"doordash|dd doordash", ENTERTAINMENT, "a food delivery service"),
    ("Grubhub", r"grubhub", ENTERTAINMENT, "a food delivery service"),
    # Travel.
    ("Trainline", r"trainline(?: com)?|thetrainline", TRAVEL, "a rail ticket seller"),
    ("TfL", r"tfl(?: travel ch(?:arge)?)?|transport for london", TRAVEL, "London's transport"),
    (
        "National Rail",
        r"national rail|lner|avanti west coast|gwr|great western rail|southern rail",
        TRAVEL,
        "a train company",
    ),
    ("Uber", r"uber(?: trip| bv| \* trip)?", TRAVEL, "a taxi service"),
    ("Lyft", r"lyft", TRAVEL, "a taxi service"),
    ("Addison Lee", r"addison lee", TRAVEL, "a taxi service"),
    ("Bolt", r"bolt eu|bolt ride", TRAVEL, "a taxi service"),
    ("easyJet", r"easyjet", TRAVEL, "an airline"),
    ("Ryanair", r"ryanair", TRAVEL, "an airline"),
    ("British Airways", r"british airways|ba\.com|ba com", TRAVEL, "an airline"),
    ("Virgin Atlantic", r"virgin atlantic", TRAVEL, "an airline"),
    ("Delta", r"delta air(?: lines)?", TRAVEL, "an airline"),
    ("United Airlines", r"united airlines?|united air", TRAVEL, "an airline"),
    ("American Airlines", r"american air(?:lines)?|aa com", TRAVEL, "an airline"),
    ("Southwest", r"southwest(?: airlines| air)?|southwes", TRAVEL, "an airline"),
    ("Amtrak", r"amtrak", TRAVEL, "a train company"),
    ("Premier Inn", r"premier inn", TRAVEL, "a hotel"),
    ("Travelodge", r"travelodge", TRAVEL, "a hotel"),
    ("Hilton", r"hilton(?: hotels?)?|hampton inn", TRAVEL, "a hotel"),
    ("Marriott", r"marriott|courtyard by marriott", TRAVEL, "a hotel"),
    ("Holiday Inn", r"holiday inn|ihg hotels?", TRAVEL, "a hotel"),
    ("Booking.com", r"booking com|booking\.com", TRAVEL, "a hotel booking site"),
    ("Airbnb", r"airbnb", TRAVEL, "a lodging site"),
    ("Expedia", r"expedia", TRAVEL, "a travel agent"),
    ("Hertz", r"hertz", VEHICLE, "a car hire firm"),
    ("Enterprise", r"enterprise rent a car|enterprise rent", VEHICLE, "a car hire firm"),
    # Motoring.
    ("Shell", r"shell(?! energy)", VEHICLE, "a fuel station"),
    ("BP", r"bp(?: [a-z]+ ?service station)?|bp connect", VEHICLE, "a fuel station"),
    ("Esso", r"esso", VEHICLE, "a fuel station"),
    ("Texaco", r"texaco", VEHICLE, "a fuel station"),
    ("Chevron", r"chevron", VEHICLE, "a fuel station"),
    ("ExxonMobil", r"exxon(?:mobil)?|mobil", VEHICLE, "a fuel station"),
    ("Sunoco", r"sunoco", VEHICLE, "a fuel station"),
    ("Valero", r"valero", VEHICLE, "a fuel station"),
    ("Wawa", r"wawa", VEHICLE, "a fuel station"),
    ("NCP", r"ncp(?: ltd| car park)?", VEHICLE, "a car park"),
    ("RingGo", r"ringgo|ring go", VEHICLE, "a parking app"),
    ("PayByPhone", r"paybyphone|pay by phone", VEHICLE, "a parking app"),
    ("JustPark", r"justpark", VEHICLE, "a parking app"),
    ("DVLA", r"dvla(?: vehicle tax)?|dvla vehicle", VEHICLE, "vehicle tax"),
    ("Halfords", r"halfords", VEHICLE, "a motor parts shop"),
    ("Kwik Fit", r"kwik ?fit", VEHICLE, "a garage"),
    ("E-ZPass", r"e ?zpass|ezpass", VEHICLE, "road tolls"),
    # Office, equipment, repairs.
    ("Staples", r"staples", OFFICE, "an office supplies shop"),
    ("Viking", r"viking direct", OFFICE, "an office supplies seller"),
    ("Ryman", r"ryman", OFFICE, "an office supplies shop"),
    ("Office Depot", r"office depot|officemax", OFFICE, "an office supplies shop"),
    ("Ikea", r"ikea", OFFICE, "a furniture shop"),
    ("Argos", r"argos", OFFICE, "a general store"),
    ("Currys", r"currys(?: pc world)?|pc world", OFFICE, "an electronics shop"),
    ("Apple", r"apple store|apple com bill|apple com|itunes", SOFTWARE, "apps and devices"),
    ("Best Buy", r"best ?buy", OFFICE, "an electronics shop"),
    ("Costco", r"costco(?: whse| wholesale)?", STOCK, "a wholesaler"),
    ("Screwfix", r"screwfix", REPAIRS, "a trade supplier"),
    ("Toolstation", r"toolstation", REPAIRS, "a trade supplier"),
    ("B&Q", r"b&q|b & q|b and q", REPAIRS, "a DIY shop"),
    ("Wickes", r"wickes", REPAIRS, "a DIY shop"),
    ("Travis Perkins", r"travis perkins", REPAIRS, "a builders' merchant"),
    ("Home Depot", r"home ?depot|the home depot", REPAIRS, "a DIY shop"),
    ("Lowe's", r"lowe'?s(?: home)?", REPAIRS, "a DIY shop"),
    ("Amazon Web Services", r"amazon web services|aws emea|aws", SOFTWARE, "cloud hosting"),
    (
        "Amazon",
        r"amazon(?: co uk| com| uk| eu| marketplace| mktplace| prime)?|amzn(?: mktp)?(?: uk| us)?",
        OFFICE,
        "an online shop",
    ),
    ("eBay", r"ebay", OFFICE, "an online marketplace"),
    # Software and online services.
    ("Microsoft", r"microsoft(?: 365| office| azure)?|msft", SOFTWARE, "software"),
    (
        "Google Workspace",
        r"google(?: workspace| gsuite| g suite| cloud| storage)|gsuite",
        SOFTWARE,
        "software",
    ),
    ("Adobe", r"adobe(?: systems| creative cloud)?", SOFTWARE, "software"),
    ("Slack", r"slack(?: technologies)?", SOFTWARE, "software"),
    ("Zoom", r"zoom(?: us| video| com)?", SOFTWARE, "software"),
    ("Xero", r"xero(?: uk| limited)?", SOFTWARE, "accounting software"),
    ("QuickBooks", r"quickbooks|qbooks|intuit(?! payroll)(?: quickbooks)?", SOFTWARE, "accounting software"),
    ("Sage", r"sage(?: uk| software| one)", SOFTWARE, "accounting software"),
    ("FreeAgent", r"freeagent", SOFTWARE, "accounting software"),
    ("Dropbox", r"dropbox", SOFTWARE, "software"),
    ("Atlassian", r"atlassian|jira", SOFTWARE, "software"),
    ("GitHub", r"github", SOFTWARE, "software"),
    ("Heroku", r"heroku", SOFTWARE, "cloud hosting"),
    ("DigitalOcean", r"digitalocean|digital ocean", SOFTWARE, "cloud hosting"),
    ("Canva", r"canva", SOFTWARE, "software"),
    ("Notion", r"notion(?: labs| so)?", SOFTWARE, "software"),
    ("Salesforce", r"salesforce", SOFTWARE, "software"),
    ("Squarespace", r"squarespace|sqsp", SOFTWARE, "website hosting"),
    ("Wix", r"wix(?: com)?", SOFTWARE, "website hosting"),
    ("GoDaddy", r"godaddy|dnh godaddy", SOFTWARE, "domains and hosting"),
    ("DocuSign", r"docusign", SOFTWARE, "software"),
    ("Calendly", r"calendly", SOFTWARE, "software"),
    ("OpenAI", r"openai|chatgpt", SOFTWARE, "software"),
    ("Netflix", r"netflix", STAFF, "streaming"),
    ("Spotify", r"spotify", STAFF, "streaming"),
    # Marketing.
    ("Google Ads", r"google ?ads|google adwords|google \* ?ads|googleads", MARKETING, "advertising"),
    (
        "Meta",
        r"facebk|facebook(?: ads)?|fb ads|meta platforms|meta ads|instagram ads",
        MARKETING,
        "advertising",
    ),
    ("LinkedIn", r"linkedin(?: ads| corp)?", MARKETING, "advertising"),
    ("X", r"twitter ads|x corp ads", MARKETING, "advertising"),
    ("TikTok", r"tiktok(?: ads)?", MARKETING, "advertising"),
    ("Mailchimp", r"mailchimp|intuit mailchimp|mc mailchimp", MARKETING, "email marketing"),
    ("HubSpot", r"hubspot", MARKETING, "marketing software"),
    ("Vistaprint", r"vistaprint", MARKETING, "printed marketing"),
    ("MOO", r"moo print|moo com", MARKETING, "printed marketing"),
    ("Yell", r"yell(?: com| limited)?", MARKETING, "advertising"),
    # Telecoms.
    ("BT", r"bt(?: group| business| plc)?|british telecom(?:munications)?", TELECOMS, "a telecoms provider"),
    ("Vodafone", r"vodafone", TELECOMS, "a telecoms provider"),
    ("O2", r"o2(?: uk)?|telefonica", TELECOMS, "a telecoms provider"),
    ("EE", r"ee(?: limited| ltd)|everything everywhere", TELECOMS, "a telecoms provider"),
    ("Three", r"three(?: co uk| uk)|hutchison 3g", TELECOMS, "a telecoms provider"),
    ("Virgin Media", r"virgin media", TELECOMS, "a telecoms provider"),
    ("Sky", r"sky(?: digital| uk| business)", TELECOMS, "a telecoms provider"),
    ("TalkTalk", r"talktalk", TELECOMS, "a telecoms provider"),
    ("Plusnet", r"plusnet", TELECOMS, "a telecoms provider"),
    ("Verizon", r"verizon(?: wireless)?|vz wireless", TELECOMS, "a telecoms provider"),
    ("AT&T", r"at&t|att\*? bill|att payment", TELECOMS, "a telecoms provider"),
    ("T-Mobile", r"t ?mobile", TELECOMS, "a telecoms provider"),
    ("Comcast", r"comcast|xfinity", TELECOMS, "a telecoms provider"),
    ("Spectrum", r"spectrum|charter comm", TELECOMS, "a telecoms provider"),
    ("RingCentral", r"ringcentral", TELECOMS, "a phone service"),
    # Utilities and property.
    ("British Gas", r"british gas|centrica", UTILITIES, "an energy supplier"),
    ("EDF", r"edf(?: energy)?", UTILITIES, "an energy supplier"),
    ("E.ON", r"e on(?: next| energy)?|eon(?: next| energy)?", UTILITIES, "an energy supplier"),
    ("Octopus Energy", r"octopus energy", UTILITIES, "an energy supplier"),
    ("Scottish Power", r"scottish ?power", UTILITIES, "an energy supplier"),
    ("SSE", r"sse(?: energy| airtricity)?", UTILITIES, "an energy supplier"),
    ("OVO", r"ovo(?: energy)?", UTILITIES, "an energy supplier"),
    ("npower", r"npower", UTILITIES, "an energy supplier"),
    ("Shell Energy", r"shell energy", UTILITIES, "an energy supplier"),
    ("Thames Water", r"thames water", UTILITIES, "a water company"),
    ("Severn Trent", r"severn trent", UTILITIES, "a water company"),
    ("Anglian Water", r"anglian water", UTILITIES, "a water company"),
    ("United Utilities", r"united utilities", UTILITIES, "a water company"),
    ("Yorkshire Water", r"yorkshire water", UTILITIES, "a water company"),
    ("Southern Water", r"southern water", UTILITIES, "a water company"),
    ("Welsh Water", r"welsh water|dwr cymru", UTILITIES, "a water company"),
    ("Con Edison", r"con ?ed(?:ison)?|coned", UTILITIES, "an energy supplier"),
    ("PG&E", r"pg&e|pacific gas", UTILITIES, "an energy supplier"),
    ("Duke Energy", r"duke energy", UTILITIES, "an energy supplier"),
    ("Regus", r"regus|iwg", RENT, "serviced offices"),
    ("WeWork", r"wework", RENT, "serviced offices"),
    # Insurance.
    ("Hiscox", r"hiscox", INSURANCE, "an insurer"),
    ("AXA", r"axa(?: insurance| ppp)?", INSURANCE, "an insurer"),
    ("Aviva", r"aviva(?! pension)(?: insurance)?", INSURANCE, "an insurer"),
    ("Direct Line", r"direct line(?: for business)?", INSURANCE, "an insurer"),
    ("Simply Business", r"simply business", INSURANCE, "an insurer"),
    ("Zurich", r"zurich(?: insurance)?", INSURANCE, "an insurer"),
    ("Allianz", r"allianz", INSURANCE, "an insurer"),
    ("Admiral", r"admiral(?: insurance)?", INSURANCE, "an insurer"),
    ("GEICO", r"geico", INSURANCE, "an insurer"),
    ("State Farm", r"state farm", INSURANCE, "an insurer"),
    ("Progressive", r"progressive(?: ins(?:urance)?)", INSURANCE, "an insurer"),
    ("Next Insurance", r"next insurance", INSURANCE, "an insurer"),
    ("The Hartford", r"the hartford|hartford ins", INSURANCE, "an insurer"),
    # Public bodies charging fees.
    ("Companies House", r"companies house", LICENCES, "company filing fees"),
    ("ICO", r"information commissioner|ico data protection", LICENCES, "a data protection fee"),
    ("TV Licensing", r"tv licen[cs]e|tv licensing", LICENCES, "a licence"),
    # Carriers.
    ("Royal Mail", r"royal mail", FREIGHT, "postage"),
    ("Post Office", r"post office(?: ltd| counters)?", FREIGHT, "postage"),
    ("Parcelforce", r"parcelforce", FREIGHT, "parcel delivery"),
    ("DPD", r"dpd(?: group| uk)?", FREIGHT, "parcel delivery"),
    ("DHL", r"dhl(?: express| parcel)?", FREIGHT, "parcel delivery"),
    ("UPS", r"ups(?: store| com| \* ?[a-z]+)?|the ups store", FREIGHT, "parcel delivery"),
    ("FedEx", r"fedex", FREIGHT, "parcel delivery"),
    ("Evri", r"evri|hermes parcelnet|myhermes", FREIGHT, "parcel delivery"),
    ("Yodel", r"yodel", FREIGHT, "parcel delivery"),
    ("USPS", r"usps|stamps com", FREIGHT, "postage"),
    ("ShipStation", r"shipstation", FREIGHT, "shipping"),
    ("Parcel2Go", r"parcel2go|parcel ?go", FREIGHT, "parcel delivery"),
    # Wholesalers.
    ("Booker", r"booker(?: ltd| wholesale)?", STOCK, "a wholesaler"),
    ("Makro", r"makro", STOCK, "a wholesaler"),
    ("Bestway", r"bestway", STOCK, "a wholesaler"),
    ("Brakes", r"brakes(?: bros)?", STOCK, "a food wholesaler"),
    ("Bidfood", r"bidfood", STOCK, "a food wholesaler"),
    ("Sysco", r"sysco", STOCK, "a food wholesaler"),
    ("US Foods", r"us foods", STOCK, "a food wholesaler"),
    ("Restaurant Depot", r"restaurant depot", STOCK, "a wholesaler"),
    ("Alibaba", r"alibaba|aliexpress", STOCK, "a wholesale marketplace"),
    ("Uline", r"uline", STOCK, "packaging"),
    # Charities.
    ("JustGiving", r"justgiving", DONATIONS, "donations"),
    ("Cancer Research UK", r"cancer research", DONATIONS, "a charity"),
    ("British Red Cross", r"red cross", DONATIONS, "a charity"),
    ("Oxfam", r"oxfam", DONATIONS, "a charity"),
)

# ------------------------------------------------------------------------------------ payment providers
# Card processors, marketplaces and collection services: (provider, pattern, category of money in from them,
# category of money out to them). Money in is a payout of the business's sales through them; money out is
# what they charge (fees, chargebacks) unless the description names who was paid through them (`WRAPPERS`).
PROVIDERS: tuple[tuple[str, str, str, str], ...] = (
    ("Stripe", r"stripe(?: payments(?: uk| europe)?| technology| transfer| payout)?", ONLINE, MERCHANT_FEES),
    ("SumUp", r"sumup(?: payments)?|sum up payments", RETAIL, MERCHANT_FEES),
    ("Square", r"square(?: inc| uk| payments| payout)?|sq inc", RETAIL, MERCHANT_FEES),
    ("Zettle", r"i?zettle(?: payout| by paypal)?|paypal zettle", RETAIL, MERCHANT_FEES),
    ("PayPal", r"paypal(?: europe| uk| transfer| payout| pte| inc)?|pp(?= transfer)", ONLINE, MERCHANT_FEES),
    ("Shopify Payments", r"shopify(?: payments| payout| inc| international)?", ONLINE, SOFTWARE),
    (
        "Amazon",
        r"amazon(?: payments(?: uk| europe)?| eu sarl| services europe| seller| mktplace pmts"
        r"| marketplace payout)|amzn (?:payout|mktp payout|settlement)",
        ONLINE,
        MERCHANT_FEES,
    ),
    ("eBay", r"ebay(?: commerce(?: uk)?| marketplaces| payout| s a r l)", ONLINE, MERCHANT_FEES),
    ("Etsy", r"etsy(?: payments| ireland| inc| com)?", ONLINE, MERCHANT_FEES),
    ("Worldpay", r"worldpay(?: ap| uk| limited| ltd)?|wpay", RETAIL, MERCHANT_FEES),
    ("GoCardless", r"gocardless|go cardless", SERVICES, MERCHANT_FEES),
    ("Klarna", r"klarna(?: bank ab)?", ONLINE, MERCHANT_FEES),
    ("Dojo", r"dojo(?: payments)?|paymentsense", RETAIL, MERCHANT_FEES),
    ("Takepayments", r"takepayments", RETAIL, MERCHANT_FEES),
    ("Adyen", r"adyen", ONLINE, MERCHANT_FEES),
    ("Checkout.com", r"checkout com|checkout ltd", ONLINE, MERCHANT_FEES),
    (
        "Barclaycard Payments",
        r"barclaycard (?:merchant|payments|business solutions)|bmsl",
        RETAIL,
        MERCHANT_FEES,
    ),
    ("Elavon", r"elavon", RETAIL, MERCHANT_FEES),
    ("Global Payments", r"global payments|globalpay", RETAIL, MERCHANT_FEES),
    ("Tyl", r"tyl by natwest|tyl", RETAIL, MERCHANT_FEES),
    ("Clover", r"clover(?: network)?", RETAIL, MERCHANT_FEES),
    ("Toast", r"toast(?: inc| payout)", RETAIL, MERCHANT_FEES),
    ("Deliveroo", r"deliveroo(?: payout| uk payout| restaurant)", ONLINE, MERCHANT_FEES),
    ("Uber Eats", r"uber eats payout|ubereats payout|uber portier", ONLINE, MERCHANT_FEES),
    ("Just Eat", r"just eat(?: payout| takeaway| com payout)", ONLINE, MERCHANT_FEES),
    ("DoorDash", r"doordash(?: payout| inc)", ONLINE, MERCHANT_FEES),
    ("Grubhub", r"grubhub(?: payout| inc)", ONLINE, MERCHANT_FEES),
    ("Authorize.net", r"authorize net|authnet", ONLINE, MERCHANT_FEES),
    ("Braintree", r"braintree", ONLINE, MERCHANT_FEES),
    ("Wise", r"wise(?: payments)?|transferwise", OWN_ACCOUNTS, OWN_ACCOUNTS),
)

# Names that pay someone else through a provider: `PAYPAL *ADOBE` is a payment to Adobe through PayPal. The
# pattern is matched on the casefolded description before it is cleaned (the `*` is the sign); what follows
# it is categorized as the description.
WRAPPERS: tuple[tuple[str, str], ...] = (
    ("PayPal", r"\b(?:paypal|pp)\s?\*\s?"),
    ("Square", r"\b(?:sq|square)\s?\*\s?|\bsqu\*"),
    ("SumUp", r"\bsum ?up\s?\*\s?"),
    ("Zettle", r"\b(?:iz|izettle|zettle_?)\s?\*\s?"),
    ("Shopify Payments", r"\bsp\s?\*\s?|\bshopify\s?\*\s?(?=\w)(?!\d)"),
    ("Stripe", r"\bstripe\s?\*\s?"),
    ("Klarna", r"\bklarna\s?\*\s?"),
    ("GoCardless", r"\bgc re\s|\bgocardless re\s|\bvia gocardless\b"),
)

# ---------------------------------------------------------------------------------------- tax and payroll
# (pattern, direction, category, confidence, reason, counterparty).
AUTHORITIES: tuple[tuple[str, str, str, float, str, str | None], ...] = (
    (
        r"hmrc vat|vat hmrc|hmrc vat dd|vat (?:payment|return)|hm revenue vat",
        ANY,
        SALES_TAX,
        0.95,
        "VAT paid to or repaid by HMRC",
        "HMRC",
    ),
    (
        r"hmrc (?:paye|nic|ni|cumbernauld|p32|accounts office)|paye(?: nic)?|hmrc employer|"
        r"employers? ni|hmrc cumbernauld",
        ANY,
        PAYROLL_TAX,
        0.95,
        "PAYE and national insurance for HMRC",
        "HMRC",
    ),
    (
        r"hmrc (?:ct|corp(?:oration)? tax|shipley|ct payment)|corporation tax|hmrc corptax",
        ANY,
        INCOME_TAX,
        0.95,
        "corporation tax for HMRC",
        "HMRC",
    ),
    (
        r"hmrc (?:sa|self assessment)|self assessment",
        ANY,
        INCOME_TAX,
        0.85,
        "self assessment tax for HMRC",
        "HMRC",
    ),
    (
        r"hmrc r&d|r&d tax credit|hmrc rd tax credit",
        IN,
        INCOME_TAX,
        0.9,
        "an R&D tax credit from HMRC",
        "HMRC",
    ),
    (r"vat(?: (?:repayment|refund|reclaim|payment|return payment))?", ANY, SALES_TAX, 0.85, "VAT", "HMRC"),
    (
        r"hmrc|hm revenue(?: & customs| and customs)?|h m revenue",
        ANY,
        TAXES,
        0.8,
        "a payment to HMRC",
        "HMRC",
    ),
    (
        r"eftps|usataxpymt 941|irs 941|941 tax|irs payroll|federal payroll tax|futa|suta",
        ANY,
        PAYROLL_TAX,
        0.9,
        "payroll tax for the IRS",
        "IRS",
    ),
    (
        r"irs treas 310 tax ref|irs tax ref(?:und)?|tax refund irs",
        IN,
        INCOME_TAX,
        0.9,
        "a tax refund from the IRS",
        "IRS",
    ),
    (
        r"irs usataxpymt|irs|internal revenue|us treasury tax|usataxpymt",
        ANY,
        INCOME_TAX,
        0.85,
        "federal tax for the IRS",
        "IRS",
    ),
    (
        r"franchise tax(?: board| bd)?|ftb(?: tax)?|state tax(?: payment)?|dept of revenue"
        r"|department of revenue|dor tax",
        ANY,
        INCOME_TAX,
        0.8,
        "state tax",
        None,
    ),
    (
        r"sales tax|cdtfa|comptroller(?: sales tax)?|dept of taxation sales|sales & use tax",
        ANY,
        SALES_TAX,
        0.85,
        "sales tax",
        None,
    ),
    (
        r"business rates|council tax|nndr|non domestic rates",
        OUT,
        LICENCES,
        0.85,
        "business rates to the council",
        None,
    ),
    (
        r"nest(?: pensions?| corporation)?|national employment savings",
        OUT,
        PENSION,
        0.9,
        "pension contributions to NEST",
        "NEST",
    ),
    (
        r"the people'?s pension|peoples pension|people pension|b&ce",
        OUT,
        PENSION,
        0.9,
        "pension contributions to The People's Pension",
        "The People's Pension",
    ),
    (
        r"smart pension|aviva pension|royal london pension|scottish widows pension"
        r"|pension(?: contributions?| scheme)?",
        OUT,
        PENSION,
        0.85,
        "pension contributions",
        None,
    ),
    (
        r"(?:401k|401 k)(?: contribution)?|guideline 401k|human interest 401k",
        OUT,
        PENSION,
        0.85,
        "retirement plan contributions",
        None,
    ),
)

PAYROLL: tuple[tuple[str, str, str, float, str], ...] = (
    (
        r"salary|salaries|wages?|payroll|net pay|staff pay|bacs salaries|sal(?= [a-z])",
        OUT,
        WAGES,
        0.85,
        "wages paid to staff",
    ),
    (
        r"gusto(?: payroll| net)?|adp(?: payroll| wage| tx)?|paychex|intuit payroll|quickbooks payroll|"
        r"rippling|deel|justworks|trinet|onpay|patriot payroll",
        OUT,
        WAGES,
        0.9,
        "wages paid through a payroll service",
    ),
    (
        r"expenses? (?:claim|reimbursement)|expense reimb|staff expenses",
        OUT,
        STAFF,
        0.75,
        "an employee's expenses repaid",
    ),
)

# -------------------------------------------------------------------------------------------------- lenders
# (lender, pattern, category, confidence). Money in is the loan paid out; money out a repayment.
LENDERS: tuple[tuple[str, str, str, float], ...] = (
    ("Funding Circle", r"funding circle|fundingcircle", TERM_LOAN, 0.9),
    ("iwoca", r"iwoca", CREDIT_LINE, 0.9),
    ("YouLend", r"youlend", SHORT_LOAN, 0.9),
    ("Liberis", r"liberis", SHORT_LOAN, 0.9),
    ("Capital on Tap", r"capital on tap", CREDIT_CARD, 0.9),
    ("American Express", r"american express|amex(?: epayment| payment)?|amex", CREDIT_CARD, 0.8),
    ("Barclaycard", r"barclaycard(?! merchant| payments| business solutions)", CREDIT_CARD, 0.8),
    ("OnDeck", r"ondeck|on deck capital", TERM_LOAN, 0.9),
    ("Kabbage", r"kabbage", CREDIT_LINE, 0.9),
    ("Fundbox", r"fundbox", CREDIT_LINE, 0.9),
    ("BlueVine", r"bluevine", CREDIT_LINE, 0.9),
    ("SBA", r"sba(?: loan| eidl| pmt)?|eidl", TERM_LOAN, 0.85),
    ("Shopify Capital", r"shopify capital", SHORT_LOAN, 0.9),
    ("Stripe Capital", r"stripe capital", SHORT_LOAN, 0.9),
    ("PayPal Working Capital", r"paypal working capital|paypal business loan", SHORT_LOAN, 0.9),
    ("Esme Loans", r"esme(?: loans)?", TERM_LOAN, 0.85),
    ("Allica Bank", r"allica", TERM_LOAN, 0.8),
    ("Close Brothers", r"close brothers|close bros", FINANCE_LEASE, 0.85),
    # Banks' own loans and cards: the bank's name with the product.
    (
        "the bank",
        r"(?:natwest|barclays|hsbc|lloyds|santander|tesco bank|metro bank|starling|tide|rbs|nationwide"
        r"|bank of scotland|virgin money|handelsbanken|triodos|unity trust|aldermore|shawbrook|chase"
        r"|wells fargo|bank of america|bofa|citi|us bank"
        r"|pnc|truist|td bank)(?: business| small business| sb)? (?:loan|term loan|bbl|mortgage)",
        TERM_LOAN,
        0.9,
    ),
    (
        "the card issuer",
        r"(?:chase|citi|capital one|discover|wells fargo|bank of america|bofa|us bank|barclays|synchrony"
        r"|brex|ramp|mbna|natwest|hsbc|lloyds)(?: credit)? (?:card|crd)(?: online| mobile| e| epay| auto)*"
        r" ?(?:payment|pymt|pmt|autopay|epay|repayment)|(?:chase|citi|capital one|discover) (?:e ?payment"
        r"|epay|autopay|mobile pymt|online payment)|crd autopay|card autopay",
        CREDIT_CARD,
        0.85,
    ),
    ("Lombard", r"lombard(?: north central)?", FINANCE_LEASE, 0.85),
)

# ------------------------------------------------------------------------------------------ kinds of movement
# What the words of a description say about a line whoever the counterparty: (pattern, direction, category,
# confidence, reason).
KINDS: tuple[tuple[str, str, str, float, str], ...] = (
    # Interest.
    (
        r"(?:credit |gross |net )?interest (?:paid|earned|credited|received|payment)|int(?:erest)? credit"
        r"|interest$|savings interest|interest on (?:deposit|savings|account|balance)"
        r"|(?:bank )?interest received",
        IN,
        INTEREST_IN,
        0.85,
        "interest earned",
    ),
    (
        r"(?:overdraft|debit|od|loan|arrangement) interest|interest charged?"
        r"|interest (?:on|for) (?:overdraft|loan)|purchase interest|int charge",
        OUT,
        INTEREST_OUT,
        0.85,
        "interest charged",
    ),
    # Bank charges.
    (
        r"(?:monthly |annual )?(?:account|maintenance|service|monthly|business banking|card|bank) (?:fee|fees"
        r"|charges?)|bank charges?|commission charges?|charges? (?:for|to) |wire (?:fee|transfer fee)|"
        r"(?:international|outgoing|incoming) (?:wire|payment) fee|non[- ]?sterling (?:transaction )?fee|"
        r"foreign (?:transaction|exchange) fee|fx fee|atm fee|unpaid item fee|returned item fee|"
        r"overdraft (?:fee|usage fee)|nsf fee|insufficient funds fee|paper statement fee|chaps fee|"
        r"cash handling (?:fee|charge)|deposit fee|monthly plan fee|tariff charge|fee$"
        r"|(?:returned|unpaid|bounced) (?:dd|item|cheque|check|payment)(?: charge| fee)?",
        OUT,
        BANK_CHARGES,
        0.85,
        "a bank fee",
    ),
    (r"fee (?:refund|reversal|rebate)", IN, BANK_CHARGES, 0.8, "a bank fee refunded"),
    # Own accounts.
    (
        r"(?:transfer|tfr|trf|xfer|sweep) (?:to|from) (?:savings?|current|deposit|reserve|business|chk"
        r"|checking|sav|instant access|account|acct)|(?:to|from) (?:savings|sav) (?:account|acct)?"
        r"|internal transfer|own account(?: transfer)?|between accounts"
        r"|top ?up (?:from|to) (?:savings|current|deposit|reserve)(?: account)?"
        r"|online (?:banking )?transfer (?:to|from) (?:chk|sav)"
        r"|account transfer|savings (?:transfer|sweep)|sweep",
        ANY,
        OWN_ACCOUNTS,
        0.85,
        "a transfer between the business's own accounts",
    ),
    (
        r"currency exchange|fx (?:exchange|conversion|trade)|foreign exchange|converted (?:to|from)"
        r"|exchange (?:to|from) (?:eur|usd|gbp)",
        ANY,
        OWN_ACCOUNTS,
        0.85,
        "a currency exchange between the business's own accounts",
    ),
    # Cash.
    (r"petty cash(?: top ?up| float)?", OUT, CASH, 0.8, "petty cash drawn"),
    (
        r"cash (?:withdrawal|wdl|machine)|atm(?: withdrawal| wdl| cash)?|cashpoint|lnk|link atm|cash out"
        r"|counter withdrawal",
        OUT,
        CASH,
        0.85,
        "cash taken out",
    ),
    (
        r"cash (?:deposit|paid in|credit|lodgement)|paid in at|counter credit|branch deposit|"
        r"deposit at branch|atm deposit|cash in|cash sales?|takings",
        IN,
        RETAIL,
        0.65,
        "cash paid in: takings banked",
    ),
    # Loans, whoever the lender.
    (
        r"loan (?:drawdown|advance|disbursement|payout|funds)|(?:business|term|bounce back|bbl|cbils|ppp)"
        r" loan|loan proceeds|loan$|loan",
        IN,
        TERM_LOAN,
        0.8,
        "a loan paid out to the business",
    ),
    (
        r"loan (?:repayment|repay|payment|pmt|instalment|installment)|(?:bbl|cbils|term loan) repayment"
        r"|loan",
        OUT,
        TERM_LOAN,
        0.8,
        "a loan repaid",
    ),
    (
        r"(?:credit card|cc) (?:repayment|payment|pmt)|card repayment|payment to credit card|"
        r"(?:mastercard|visa) (?:repayment|payment)",
        OUT,
        CREDIT_CARD,
        0.8,
        "a credit card repaid",
    ),
    (
        r"hire purchase|asset finance|hp (?:payment|agreement|instalment)|finance lease|"
        r"(?:vehicle|car|van) finance",
        OUT,
        FINANCE_LEASE,
        0.8,
        "hire purchase or a finance lease repaid",
    ),
    (
        r"(?:vehicle|van|car|equipment|machine|printer|copier) (?:lease|leasing|hire|rental)|leasing",
        OUT,
        EQUIPMENT_HIRE,
        0.75,
        "equipment or vehicles hired",
    ),
    # Owners.
    (
        r"director'?s? loan(?: account)?|dla|loan from director|director loan",
        ANY,
        DIRECTORS,
        0.85,
        "a director's loan",
    ),
    (r"dividends?(?: payment)?|interim dividend|final dividend", OUT, DIVIDENDS, 0.85, "a dividend paid"),
    (r"dividends?", IN, OTHER_INCOME, 0.7, "a dividend received"),
    (
        r"drawings?|owner'?s? draw|owner withdrawal|personal (?:transfer|withdrawal)",
        OUT,
        DRAWINGS,
        0.8,
        "money the owner took out",
    ),
    (
        r"capital (?:injection|introduced|contribution)|owner'?s? (?:contribution|investment)|"
        r"funds introduced|owner deposit",
        IN,
        CONTRIBUTIONS,
        0.8,
        "money the owner put in",
    ),
    (
        r"share (?:capital|subscription|issue)|equity investment|seed investment|investment round",
        IN,
        SHARES,
        0.8,
        "shares subscribed",
    ),
    # Grants.
    (
        r"grant(?: payment| funding)?|innovate uk|arts council|kickstart|restart grant|covid grant|"
        r"small business grant",
        IN,
        GRANTS,
        0.8,
        "a grant",
    ),
    # Property.
    (
        r"rent(?:al)?(?: payment| for)?|office rent|shop rent|premises|landlord|property management|"
        r"estates? (?:ltd|limited)|lettings|service charge (?:office|premises)",
        OUT,
        RENT,
        0.75,
        "rent for premises",
    ),
    # Professionals and contractors.
    (
        r"accountan(?:cy|ts?)|bookkeeping|audit(?: fee)?|tax return|payroll bureau",
        OUT,
        PROFESSIONAL,
        0.75,
        "accountancy fees",
    ),
    (
        r"solicitors?|legal(?: fees| services)?|law (?:firm|llp|group)|llp|attorneys?|notary|barristers?",
        OUT,
        PROFESSIONAL,
        0.7,
        "legal fees",
    ),
    (r"consult(?:ing|ancy|ant)|advisory", OUT, PROFESSIONAL, 0.6, "consultancy fees"),
    (r"contractor|freelancer?|upwork|fiverr|self employed", OUT, CONTRACTORS, 0.7, "contract labour"),
    (r"insurance|insurer|assurance|premium", OUT, INSURANCE, 0.75, "an insurance premium"),
    (
        r"energy|electric(?:ity)?|gas (?:bill|supply)|water (?:rates|bill|services)?|utilities|utility",
        OUT,
        UTILITIES,
        0.65,
        "a utility bill",
    ),
    (r"broadband|internet|telecom|mobile phone|phone bill|fibre", OUT, TELECOMS, 0.65, "a telecoms bill"),
    (
        r"software|subscription|saas|licen[cs]e fee|hosting|domain|video conferencing|cloud",
        OUT,
        SOFTWARE,
        0.55,
        "software or a subscription",
    ),
    (
        r"advertis(?:ing|ement)|marketing|promotion|sponsorship|sponsored post|leaflets|flyers|brochures|ads",
        OUT,
        MARKETING,
        0.6,
        "advertising",
    ),
    (
        r"stationery|office (?:supplies|consumables)|consumables|printing|printer (?:ink|paper)|paper",
        OUT,
        OFFICE,
        0.65,
        "office supplies",
    ),
    (
        r"fuel|petrol|diesel|parking|car park|congestion charge|toll|mot|car wash",
        OUT,
        VEHICLE,
        0.65,
        "running a vehicle",
    ),
    (r"hotel|flight|airline|train|rail|taxi|cab|travel", OUT, TRAVEL, 0.6, "travel"),
    (
        r"restaurant|cafe|coffee|lunch|dinner|bar|pub|catering|client entertainment",
        OUT,
        ENTERTAINMENT,
        0.55,
        "food and drink",
    ),
    (
        r"kitchen(?: supplies)?|refreshments|staff welfare|tea and coffee|milk|water cooler",
        OUT,
        STAFF,
        0.65,
        "refreshments and staff welfare",
    ),
    (
        r"wholesale|cash & carry|cash and carry|stock purchase|supplies|materials|inventory|packaging",
        OUT,
        STOCK,
        0.6,
        "stock and materials",
    ),
    (r"courier|postage|shipping|freight|delivery|haulage", OUT, FREIGHT, 0.65, "carriage and postage"),
    (r"donation|charity|charitable", OUT, DONATIONS, 0.75, "a donation"),
    (r"sundr(?:y|ies)(?: expenses)?|general expenses|miscellaneous", OUT, OPERATING, 0.5, "sundry expenses"),
    (
        r"penalty|fine|pcn|penalty charge|parking (?:fine|ticket|citation|violation)|citation|violation"
        r"|late filing",
        OUT,
        PENALTIES,
        0.7,
        "a penalty",
    ),
    # Customers and suppliers, by the rail.
    (
        r"(?:payment|remittance) (?:from|for)|faster payment from|fp from|bacs (?:credit|receipt)|bgc"
        r"|giro credit|bank giro credit|fpi|sepa credit|ach credit|ach deposit|wire (?:in|credit|transfer in)"
        r"|incoming wire|zelle from|venmo from|mobile deposit|remote deposit|customer payment|invoice|inv"
        r"|receipt",
        IN,
        REVENUE,
        0.6,
        "a payment from a customer",
    ),
    (
        r"(?:payment|bill payment|bill pmt) (?:to|of)|payment to supplier|fp to|fpo|bacs (?:payment|debit)|"
        r"sepa (?:payment|debit)|ach debit|wire (?:out|transfer out)|outgoing wire|zelle to|bill pay|"
        r"supplier|invoice|inv",
        OUT,
        OPERATING,
        0.5,
        "a payment to a supplier",
    ),
)

# Words that turn a line around: money back from a supplier, or money back to a customer.
REFUND = r"refund(?:ed)?|rfnd|reversal|reversed|returned|chargeback|credit adj(?:ustment)?|cashback"

# ------------------------------------------------------------------------------------ platforms' categories
# The platforms' own categories (the Banking Sandbox's `transactionCategoryRef` names, Plaid's personal
# finance categories as ids or names), keyed by their words casefolded; the longest key a category starts
# with applies. A platform's category is a weaker signal than a rule naming the counterparty: it is used
# when no rule says more, and it confirms a rule that agrees with it.
PLATFORM_CATEGORIES: tuple[tuple[str, str, float], ...] = (
    # Banking Sandbox (`connectors/sandbox/banking.py`).
    ("sales", REVENUE, 0.7),
    ("interest", INTEREST_IN, 0.6),
    ("rent", RENT, 0.7),
    ("utilities", UTILITIES, 0.7),
    ("software & subscriptions", SOFTWARE, 0.7),
    ("software and subscriptions", SOFTWARE, 0.7),
    ("office supplies", OFFICE, 0.7),
    ("travel", TRAVEL, 0.6),
    ("meals & entertainment", ENTERTAINMENT, 0.7),
    ("meals and entertainment", ENTERTAINMENT, 0.7),
    ("payroll", WAGES, 0.75),
    ("bank fees", BANK_CHARGES, 0.75),
    ("professional services", PROFESSIONAL, 0.7),
    ("marketing", MARKETING, 0.7),
    ("cash withdrawals", CASH, 0.75),
    ("suppliers", STOCK, 0.6),
    ("internal transfer", OWN_ACCOUNTS, 0.75),
    ("currency exchange", OWN_ACCOUNTS, 0.75),
    ("transfers", OWN_ACCOUNTS, 0.6),
    ("loan drawdown", TERM_LOAN, 0.75),
    ("loan repayments", TERM_LOAN, 0.75),
    ("tax payments", TAXES, 0.7),
    ("expenses", "Expense", 0.5),
    # Plaid's personal finance categories (primary and detailed ids).
    ("income dividends", OTHER_INCOME, 0.7),
    ("income interest earned", INTEREST_IN, 0.75),
    ("income tax refund", INCOME_TAX, 0.7),
    ("income wages", REVENUE, 0.5),
    ("income", REVENUE, 0.55),
    ("transfer in cash advances and loans", SHORT_LOAN, 0.65),
    ("transfer in investment and retirement funds", CONTRIBUTIONS, 0.5),
    ("transfer in savings", OWN_ACCOUNTS, 0.7),
    # Plaid gives an incoming payment from someone else (Zelle, a customer's transfer) this too: no surer
    # than the words saying who paid.
    ("transfer in account transfer", OWN_ACCOUNTS, 0.55),
    ("transfer in deposit", REVENUE, 0.5),
    ("transfer in", OWN_ACCOUNTS, 0.5),
    ("transfer out savings", OWN_ACCOUNTS, 0.7),
    ("transfer out account transfer", OWN_ACCOUNTS, 0.7),
    ("transfer out withdrawal", CASH, 0.65),
    ("transfer out", OWN_ACCOUNTS, 0.5),
    ("loan payments credit card payment", CREDIT_CARD, 0.75),
    ("loan payments car payment", FINANCE_LEASE, 0.7),
    ("loan payments mortgage payment", TERM_LOAN, 0.7),
    ("loan payments", TERM_LOAN, 0.65),
    ("bank fees interest charge", INTEREST_OUT, 0.75),
    ("bank fees", BANK_CHARGES, 0.75),
    ("entertainment", ENTERTAINMENT, 0.5),
    ("food and drink groceries", STAFF, 0.6),
    ("food and drink", ENTERTAINMENT, 0.65),
    ("general merchandise office supplies", OFFICE, 0.7),
    ("general merchandise electronics", OFFICE, 0.6),
    ("general merchandise", OFFICE, 0.5),
    ("home improvement", REPAIRS, 0.6),
    ("general services accounting and financial planning", PROFESSIONAL, 0.7),
    ("general services consulting and legal", PROFESSIONAL, 0.7),
    ("general services insurance", INSURANCE, 0.7),
    ("general services postage and shipping", FREIGHT, 0.7),
    ("general services", OPERATING, 0.45),
    ("government and non profit donations", DONATIONS, 0.7),
    ("government and non profit tax payment", TAXES, 0.7),
    ("government and non profit", LICENCES, 0.5),
    ("transportation gas", VEHICLE, 0.7),
    ("transportation parking", VEHICLE, 0.7),
    ("transportation tolls", VEHICLE, 0.7),
    ("transportation", TRAVEL, 0.6),
    ("rent and utilities rent", RENT, 0.7),
    ("rent and utilities internet and cable", TELECOMS, 0.7),
    ("rent and utilities telephone", TELECOMS, 0.7),
    ("rent and utilities", UTILITIES, 0.65),
    ("medical", STAFF, 0.4),
    ("personal care", STAFF, 0.4),
)
