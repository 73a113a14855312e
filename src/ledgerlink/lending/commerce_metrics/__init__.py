"""A merchant's sales as a lender reads them: revenue, orders, refunds, customer retention and lifetime value
per period, from a commerce connection's orders (Codat's `.../assess/commerceMetrics/...`): the periods
(periods.py, pure), the figures (metrics.py, summed in PostgreSQL), Codat's `CommerceReport` shape
(report.py) and the endpoints (endpoints.py)."""
