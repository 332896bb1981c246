"""Invoices, billing events and recurring revenue (MRR)."""
