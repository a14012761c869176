"""What runs on the clock: due reminders and daily housekeeping."""
