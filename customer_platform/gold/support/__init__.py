"""Support tickets, their types and the knowledge base."""
