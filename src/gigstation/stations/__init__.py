"""Stations, check-ins and the live board."""
