"""The API's documentation: `/openapi.json` (Codat's description of Codat's operations), Swagger UI at `/docs`
and ReDoc at `/redoc` served from ledgerlink itself, and the start page at `/`."""
