"""Revision files, one per schema change, numbered in order."""
