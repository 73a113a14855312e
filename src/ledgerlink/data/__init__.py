"""The read API (`/companies/{companyId}/data/...`): stored records served by the registry's paths, above
companies and connections, whose scope it reads through."""
