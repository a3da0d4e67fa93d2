"""From an order to a paid job: orders, dispatch, offers, assignments, ratings."""
