"""Shipped experiment files (package data)."""
