"""Connectors to the organisation's stores (SQL, HTTP, manual) and the fulfilment walk over the data map."""
