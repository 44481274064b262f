"""Checking real analytics calls against a plan: kinds, compiled validators, reports."""
