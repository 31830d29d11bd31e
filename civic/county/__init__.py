"""The county: what composes the services for a signed-in user (the dashboard and the navigation).

It sits above the services (water saving, dog management and the water-saving programme's apps) and
imports them; `civic.core` below them imports none.
"""
