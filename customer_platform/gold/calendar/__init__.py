"""The calendar: the day dimension every date key resolves in."""
