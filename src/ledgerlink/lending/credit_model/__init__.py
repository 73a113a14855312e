"""The credit model: the `creditModel` report type, its financial summary (figures per period, the books'
closed date, the accounting score), worked out from the categorized statements."""
