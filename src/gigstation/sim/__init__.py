"""The demo district and the day simulator."""
