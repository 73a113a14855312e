"""Account categorization for Lending: one standard taxonomy, suggestions with reasons, analysts' overrides.

`taxonomy` holds the categories as data; `rules` the tables the suggestions weigh; `suggestions` the pure
function from an account record to a suggested category; `service` the company's accounts with their
categories (an override wins over a suggestion); `statements` the categorized profit and loss and balance
sheet built over the read API's plain statements.
"""
