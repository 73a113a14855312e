"""The Portal's pages, one module per area of its navigation; `portal.endpoints` joins their routers."""
