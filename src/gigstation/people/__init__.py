"""The people gigstation serves: accounts, workers (real-name identity), employers."""
