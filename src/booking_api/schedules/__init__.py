"""Working hours: weekly schedules, breaks and time off of the specialists."""
