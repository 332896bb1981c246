"""Platform usage: meetings, webinars, features and active users."""
