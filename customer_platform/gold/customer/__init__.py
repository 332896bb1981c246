"""Customers and the people who use the platform: who they are, how accounts roll up."""
