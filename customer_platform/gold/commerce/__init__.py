"""Products, orders and order lines."""
