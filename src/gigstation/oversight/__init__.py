"""What the district office answers for: reports and statistics."""
