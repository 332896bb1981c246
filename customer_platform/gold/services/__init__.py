"""Provisioned services and the network they use."""
