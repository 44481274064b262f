"""What coding assistants ask of the plans (search, an event, a call checked, a name): pure."""
