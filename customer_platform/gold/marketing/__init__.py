"""Campaigns and who they reached."""
