"""Codat's Excel reports (`/data/companies/{companyId}/assess/excel`): workbooks generated on the job queue,
one generation per company and report type at a time, the latest kept in the files' store."""
